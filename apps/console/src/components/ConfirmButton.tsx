import { useEffect, useRef, useState } from 'react';

/**
 * A destructive button that asks once more, in place: the first press shows
 * what will happen with "Yes" and "Cancel" buttons (focus moves to "Yes", so
 * the keyboard path is Enter, Enter). Not window.confirm: that blocks the page
 * and reads poorly on a phone and to a screen reader.
 */
export function ConfirmButton(props: {
  /** The button's visible text, e.g. "Revoke". */
  label: string;
  /** Its accessible name when the visible text is not enough, e.g. "Revoke nightly script". */
  name?: string;
  /** What pressing "Yes" does, said as a question, e.g. "Revoke nightly script? Scripts using it stop at once." */
  question: string;
  /** The "Yes" button's text, e.g. "Yes, revoke". */
  confirm: string;
  disabled?: boolean;
  onConfirm: () => void;
}) {
  const [asking, setAsking] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  const first = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    if (asking) yes.current?.focus();
    else if (wasAsking.current) first.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  if (!asking) {
    return (
      <button ref={first} type="button" className="danger" aria-label={props.name} disabled={props.disabled} onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={props.name ?? props.label}>
      <span>{props.question}</span>
      <button
        ref={yes}
        type="button"
        className="danger"
        disabled={props.disabled}
        onClick={() => {
          setAsking(false);
          props.onConfirm();
        }}
      >
        {props.confirm}
      </button>
      <button type="button" className="secondary" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
