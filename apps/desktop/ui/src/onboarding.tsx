/** Create (24 words, then the confirm step) or restore (12 or 24 words) an account; unlock. */
import { useMemo, useState } from 'preact/hooks';
import { ErrorAlert } from './alert.js';
import { type AccountSummary, type Api, ApiError } from './api.js';

type Step =
  | { kind: 'welcome' }
  | { kind: 'create' }
  | { kind: 'restore' }
  | { kind: 'phrase'; account: string; phrase: string }
  | { kind: 'confirm'; account: string; phrase: string };

function message(error: unknown): string {
  return error instanceof ApiError ? error.message : String((error as Error)?.message ?? error);
}

export function Onboarding(props: {
  api: Api;
  canCancel: boolean;
  onCancel: () => void;
  onDone: (id: string) => void;
}) {
  const [step, setStep] = useState<Step>({ kind: 'welcome' });
  return (
    <main class="center-card onboarding">
      <h1>Murmur</h1>
      {step.kind === 'welcome' && (
        <section aria-labelledby="welcome-title">
          <h2 id="welcome-title">Private messages, no phone number</h2>
          <p>Your account is a key made on this computer. Nobody else holds it.</p>
          <div class="row">
            <button type="button" class="primary" onClick={() => setStep({ kind: 'create' })}>
              Create account
            </button>
            <button type="button" onClick={() => setStep({ kind: 'restore' })}>
              Restore from recovery phrase
            </button>
            {props.canCancel && (
              <button type="button" class="link" onClick={props.onCancel}>
                Cancel
              </button>
            )}
          </div>
        </section>
      )}
      {step.kind === 'create' && (
        <AccountForm
          api={props.api}
          mode="create"
          onBack={() => setStep({ kind: 'welcome' })}
          onCreated={(account, phrase) => {
            setStep({ kind: 'phrase', account, phrase });
          }}
          onRestored={props.onDone}
        />
      )}
      {step.kind === 'restore' && (
        <AccountForm
          api={props.api}
          mode="restore"
          onBack={() => setStep({ kind: 'welcome' })}
          onCreated={() => undefined}
          onRestored={props.onDone}
        />
      )}
      {step.kind === 'phrase' && (
        <section aria-labelledby="phrase-title">
          <h2 id="phrase-title">Your recovery phrase</h2>
          <p>
            These 24 words are your account. Write them down and keep them offline: anyone who has
            them can read your messages, and without them a lost computer is a lost account.
          </p>
          <ol class="phrase" aria-label="Recovery phrase, 24 words">
            {step.phrase.split(' ').map((word, index) => (
              <li key={index} data-testid="phrase-word">
                {word}
              </li>
            ))}
          </ol>
          <button
            type="button"
            class="primary"
            onClick={() => setStep({ kind: 'confirm', account: step.account, phrase: step.phrase })}
          >
            I wrote them down
          </button>
        </section>
      )}
      {step.kind === 'confirm' && (
        <Confirm
          api={props.api}
          account={step.account}
          phrase={step.phrase}
          onBack={() => setStep({ kind: 'phrase', account: step.account, phrase: step.phrase })}
          onDone={() => props.onDone(step.account)}
        />
      )}
    </main>
  );
}

function AccountForm(props: {
  api: Api;
  mode: 'create' | 'restore';
  onBack: () => void;
  onCreated: (account: string, phrase: string) => void;
  onRestored: (account: string) => void;
}) {
  const [name, setName] = useState('');
  const [phrase, setPhrase] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const words = phrase.trim() === '' ? 0 : phrase.trim().split(/\s+/).length;
  const restore = props.mode === 'restore';
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    if (restore && words !== 12 && words !== 24) {
      setError(`A recovery phrase has 12 or 24 words; this has ${words}.`);
      return;
    }
    setBusy(true);
    try {
      const extra = {
        ...(name.trim() === '' ? {} : { displayName: name.trim() }),
        ...(passphrase === '' ? {} : { passphrase }),
      };
      if (restore) {
        const { account } = await props.api.restore({ phrase: phrase.trim(), ...extra });
        props.onRestored(account.id);
      } else {
        const { account, phrase: words24 } = await props.api.create(extra);
        props.onCreated(account.id, words24);
      }
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-labelledby="form-title">
      <h2 id="form-title">{restore ? 'Restore your account' : 'Create your account'}</h2>
      {restore && (
        <label>
          Recovery phrase (12 or 24 words)
          <textarea
            name="phrase"
            rows={4}
            value={phrase}
            autoComplete="off"
            spellcheck={false}
            aria-describedby="phrase-count"
            onInput={(e) => setPhrase((e.target as HTMLTextAreaElement).value)}
          />
          <span id="phrase-count" class="hint">
            {words} word{words === 1 ? '' : 's'}
          </span>
        </label>
      )}
      <label>
        Display name (optional, sent with your messages)
        <input
          name="displayName"
          maxLength={64}
          value={name}
          onInput={(e) => setName((e.target as HTMLInputElement).value)}
        />
      </label>
      <label>
        Passphrase to lock this account on this computer (optional)
        <input
          name="passphrase"
          type="password"
          autoComplete="new-password"
          value={passphrase}
          onInput={(e) => setPassphrase((e.target as HTMLInputElement).value)}
        />
      </label>
      <ErrorAlert error={error} />
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>
          {restore ? 'Restore' : 'Create'}
        </button>
        <button type="button" onClick={props.onBack}>
          Back
        </button>
      </div>
    </form>
  );
}

function Confirm(props: {
  api: Api;
  account: string;
  phrase: string;
  onBack: () => void;
  onDone: () => void;
}) {
  const positions = useMemo(() => {
    const chosen = new Set<number>();
    while (chosen.size < 3) chosen.add(1 + Math.floor(Math.random() * 24));
    return [...chosen].sort((a, b) => a - b);
  }, []);
  const [words, setWords] = useState<Record<number, string>>({});
  const [error, setError] = useState<string | undefined>();
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await props.api.confirmPhrase(props.account, {
        words: positions.map((position) => ({
          position,
          word: (words[position] ?? '').trim() || '?',
        })),
      });
      props.onDone();
    } catch (e) {
      setError(message(e));
    }
  };
  return (
    <form onSubmit={submit} aria-labelledby="confirm-title">
      <h2 id="confirm-title">Check your phrase</h2>
      <p>Type the words at these positions.</p>
      {positions.map((position) => (
        <label key={position}>
          Word {position}
          <input
            name={`word-${position}`}
            autoComplete="off"
            spellcheck={false}
            value={words[position] ?? ''}
            onInput={(e) =>
              setWords({ ...words, [position]: (e.target as HTMLInputElement).value })
            }
          />
        </label>
      ))}
      <ErrorAlert error={error} />
      <div class="row">
        <button type="submit" class="primary">
          Confirm
        </button>
        <button type="button" onClick={props.onBack}>
          Show the words again
        </button>
      </div>
    </form>
  );
}

export function Unlock(props: { api: Api; account: AccountSummary; onUnlocked: () => void }) {
  const [passphrase, setPassphrase] = useState('');
  const [error, setError] = useState<string | undefined>();
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await props.api.unlock(props.account.id, { passphrase });
      props.onUnlocked();
    } catch (e) {
      setError(message(e));
    }
  };
  return (
    <main class="center-card">
      <h1>Murmur</h1>
      <form onSubmit={submit} aria-labelledby="unlock-title">
        <h2 id="unlock-title">Unlock {props.account.displayName ?? 'your account'}</h2>
        <label>
          Passphrase
          <input
            name="passphrase"
            type="password"
            autoComplete="current-password"
            value={passphrase}
            onInput={(e) => setPassphrase((e.target as HTMLInputElement).value)}
          />
        </label>
        <ErrorAlert error={error} />
        <button type="submit" class="primary">
          Unlock
        </button>
      </form>
    </main>
  );
}
