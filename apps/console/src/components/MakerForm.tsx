import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { ParleyClient } from '@parley/client';
import { useConsole } from '../context.js';
import { useAction } from '../hooks.js';
import { ErrorAlert } from './States.js';

/**
 * A form folded behind its summary that makes something as the acting agent
 * ("New proposal", "New world"). The hub's refusal shows in it; `make`
 * returns what to say once it is made. The fields are the caller's
 * `children`: they label themselves with `fieldId(name)`.
 */
export function MakerForm(props: {
  summary: string;
  heading: string;
  hint: string;
  submit: string;
  make(client: ParleyClient): Promise<string>;
  children(fieldId: (name: string) => string): ReactNode;
}) {
  const { client } = useConsole();
  const id = useId();
  const [made, setMade] = useState<string | null>(null);
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!client) return;
    setMade(null);
    const said = await action.run(() => props.make(client));
    if (said !== undefined) setMade(said);
  };
  return (
    <details className="maker">
      <summary>{props.summary}</summary>
      <form onSubmit={(e) => void submit(e)} className="card stack" aria-labelledby={`${id}-h`}>
        <h3 id={`${id}-h`}>{props.heading}</h3>
        <p className="hint">{props.hint}</p>
        {props.children((name) => `${id}-${name}`)}
        <ErrorAlert error={action.error} />
        {made && <p className="ok">{made}</p>}
        <p>
          <button type="submit" disabled={action.busy || !client}>
            {props.submit}
          </button>
        </p>
      </form>
    </details>
  );
}
