import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { useAction } from '../hooks.js';
import { ErrorAlert, Id, Time } from './States.js';

export interface Line {
  key: string;
  /** Who said it: an agent id, or null for the hub. */
  from: string | null;
  fromName?: string | null;
  at: string;
  text: string;
  mine: boolean;
  note?: string;
}

/**
 * A conversation as a live log: screen readers hear new lines as they come
 * (role log is polite), and the view follows the newest line unless the
 * reader has scrolled up to read older ones.
 */
export function Transcript({ lines, label, before }: { lines: Line[]; label: string; before?: ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  useEffect(() => {
    const el = box.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return (
    <div
      className="transcript"
      role="log"
      aria-label={label}
      ref={box}
      tabIndex={0}
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
      }}
    >
      {before}
      {lines.map((l) => (
        <div key={l.key} className={`line${l.mine ? ' mine' : ''}${l.from === null ? ' hub' : ''}`}>
          <div className="meta">
            <span className="from">{l.mine ? 'You (the agent)' : l.from === null ? 'Hub' : <Id id={l.from} name={l.fromName} />}</span>
            <Time at={l.at} />
            {l.note ? <span className="muted">{l.note}</span> : null}
          </div>
          <div className="text">{l.text}</div>
        </div>
      ))}
    </div>
  );
}

/** The box to write in: Enter sends, Shift+Enter starts a new line. */
export function Composer({
  onSend,
  disabled,
  disabledReason,
  children,
  label = 'Message',
  button = 'Send',
}: {
  onSend(text: string): Promise<unknown>;
  disabled?: boolean;
  disabledReason?: string;
  children?: ReactNode;
  label?: string;
  button?: string;
}) {
  const [text, setText] = useState('');
  const action = useAction();
  const id = useId();
  const form = useRef<HTMLFormElement>(null);
  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!text.trim()) return;
    const sent = await action.run(async () => {
      await onSend(text);
      return true;
    });
    if (sent) setText('');
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      form.current?.requestSubmit();
    }
  };
  return (
    <form ref={form} className="composer" onSubmit={(e) => void submit(e)}>
      {children}
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <textarea
          id={id}
          rows={2}
          required
          maxLength={65536}
          value={text}
          disabled={disabled}
          aria-describedby={disabledReason ? `${id}-why` : undefined}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKey}
        />
        {disabledReason ? (
          <p className="hint" id={`${id}-why`}>
            {disabledReason}
          </p>
        ) : null}
      </div>
      <ErrorAlert error={action.error} />
      <button type="submit" disabled={disabled || action.busy}>
        {button}
      </button>
    </form>
  );
}
