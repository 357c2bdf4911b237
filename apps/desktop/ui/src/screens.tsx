/** New conversation (and the own ID with its QR code), the network screen, settings. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorAlert } from './alert.js';
import type { AccountSummary, Api, NetworkView, Settings } from './api.js';
import type { EventListener } from './app.js';
import { sessionIdProblem, shortId } from './format.js';
import { createSnapshotOrder } from './state-log.js';

/** `4 s`, `12 min`, `3 h`, `2 d`: how long ago, for the paths' ages. */
export function ageText(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86_400)} d`;
}

function Head(props: { title: string; onBack: () => void }) {
  return (
    <header class="panel-head">
      <button type="button" class="back" onClick={props.onBack} aria-label="Back to conversations">
        ←
      </button>
      <h2>{props.title}</h2>
    </header>
  );
}

export function NewConversation(props: {
  api: Api;
  account: AccountSummary;
  onBack: () => void;
  onStarted: (sessionId: string) => void;
}) {
  const [id, setId] = useState('');
  const [nickname, setNickname] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [qr, setQr] = useState<string | undefined>();
  const [copied, setCopied] = useState(false);
  // Opened from the keyboard (Tab to "+ New", Enter; or Ctrl+N), typing goes to the ID at once.
  const idInput = useRef<HTMLInputElement>(null);
  useEffect(() => idInput.current?.focus(), []);
  useEffect(() => {
    void props.api.qrSvg(props.account.id).then(
      (svg) => setQr(`data:image/svg+xml;base64,${btoa(svg)}`),
      () => undefined,
    );
  }, [props.api, props.account.id]);
  const problem = sessionIdProblem(id);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    if (problem !== undefined || id.trim() === '') {
      setError(problem ?? 'Paste a Session ID.');
      return;
    }
    try {
      const { contact } = await props.api.addContact(props.account.id, {
        sessionId: id.trim().toLowerCase(),
        ...(nickname.trim() === '' ? {} : { nickname: nickname.trim() }),
      });
      props.onStarted(contact.sessionId);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const own = props.account.sessionId ?? '';
  return (
    <section class="screen" aria-label="New conversation">
      <Head title="New conversation" onBack={props.onBack} />
      <form onSubmit={submit}>
        <label>
          Their Session ID
          <input
            ref={idInput}
            name="sessionId"
            autoComplete="off"
            spellcheck={false}
            placeholder="05…"
            value={id}
            aria-invalid={problem !== undefined}
            aria-describedby="id-problem"
            onInput={(e) => setId((e.target as HTMLInputElement).value)}
          />
        </label>
        <p
          id="id-problem"
          class={problem === undefined ? 'hint' : 'error'}
          role={problem === undefined ? undefined : 'alert'}
        >
          {problem ??
            (id.trim() === '' ? 'Paste the 66-character ID they sent you.' : 'Looks right.')}
        </p>
        <label>
          Nickname (optional, only on this computer)
          <input
            name="nickname"
            maxLength={64}
            value={nickname}
            onInput={(e) => setNickname((e.target as HTMLInputElement).value)}
          />
        </label>
        <ErrorAlert error={error} testId="add-error" />
        <button type="submit" class="primary">
          Start conversation
        </button>
      </form>
      <section class="my-id" aria-labelledby="my-id-title">
        <h3 id="my-id-title">Your Session ID</h3>
        <p>Give this to people so they can write to you.</p>
        <code class="session-id" data-testid="own-id">
          {own}
        </code>
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(own).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        {qr !== undefined && (
          <img
            class="qr"
            src={qr}
            width={180}
            height={180}
            alt={`QR code of your Session ID ${shortId(own)}`}
          />
        )}
      </section>
    </section>
  );
}

export function NetworkScreen(props: {
  api: Api;
  account: string;
  subscribe: (listener: EventListener) => () => void;
  onBack: () => void;
}) {
  const [view, setView] = useState<NetworkView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  // The view is fetched every 5 s and after a rebuild (answers overlap: the newest request's
  // wins), and the account's health also comes by the event stream, whose word on it is the
  // last: an answer that left before a streamed health keeps the streamed one (state-log.ts).
  const order = useRef(createSnapshotOrder()).current;
  const health = useRef(createSnapshotOrder()).current;
  const streamedHealth = useRef<NetworkView['health']>(null);
  const load = async () => {
    const ticket = order.begin();
    const healthTicket = health.begin();
    try {
      const next = await props.api.network(props.account);
      if (!order.accept(ticket)) return;
      const fresh = health.accept(healthTicket);
      setView(fresh ? next : { ...next, health: streamedHealth.current });
      setError(undefined);
    } catch (e) {
      if (order.accept(ticket)) setError((e as Error).message);
    }
  };
  useEffect(() => {
    void load();
    const timer = setInterval(load, 5000);
    const off = props.subscribe((event) => {
      if (event.type !== 'health' || event.account !== props.account) return;
      health.streamed();
      streamedHealth.current = event.health;
      setView((current) =>
        current === undefined ? current : { ...current, health: event.health },
      );
    });
    return () => {
      clearInterval(timer);
      off();
    };
  }, [props.account]);
  const rebuild = async () => {
    setBusy(true);
    try {
      await props.api.rebuildPaths(props.account);
      await load();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const shownHealth = view?.health;
  const roles = ['Guard', 'Relay', 'Relay'];
  return (
    <section class="screen" aria-label="Network">
      <Head title="Network" onBack={props.onBack} />
      <ErrorAlert error={error} />
      {view === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd data-testid="health">
              {shownHealth === null || shownHealth === undefined
                ? 'not started'
                : `${shownHealth.summary}: ${shownHealth.reason}`}
            </dd>
            <dt>Network time offset</dt>
            <dd data-testid="time-offset">
              {shownHealth == null
                ? '—'
                : shownHealth.timeSynced
                  ? `${shownHealth.timeOffsetMs > 0 ? '+' : ''}${shownHealth.timeOffsetMs} ms`
                  : 'not synchronised yet'}
            </dd>
            <dt>Outbox</dt>
            <dd>{shownHealth == null ? '—' : `${shownHealth.outboxPending} waiting`}</dd>
            <dt>Seed</dt>
            <dd>{view.seeds.join(', ') || 'none configured'}</dd>
          </dl>
          <h3>Onion paths</h3>
          <p class="hint">{shownHealth?.pathsReason ?? ''}</p>
          {view.paths.length === 0 && <p>No path yet.</p>}
          {view.paths.map((path, index) => (
            <div class={`path-card ${path.state}`} key={path.id} data-testid="path-card">
              <h4 id={`path-${index}`}>
                Path {index + 1}{' '}
                <span class={`path-state ${path.state}`} data-testid="path-state">
                  {path.state === 'ready' ? 'ready' : 'failing'}
                </span>
              </h4>
              <ol
                class="path"
                aria-label={`Path ${index + 1}: ${path.state}, guard, relay, relay`}
                data-testid="path"
              >
                <li class="hop you">You</li>
                {path.nodes.map((node, hop) => (
                  <li class="hop" key={node.ed25519} data-testid="hop">
                    <strong>{roles[hop] ?? 'Relay'}</strong> {node.ip}:{node.port}{' '}
                    <code>{shortId(node.ed25519)}</code>
                  </li>
                ))}
                <li class="hop">Service node</li>
              </ol>
              <dl class="facts path-facts">
                <dt>Failures</dt>
                <dd data-testid="path-failures">
                  {path.failures} since the last success (rebuilt at {path.failureLimit})
                  {path.lastFailureAt !== undefined &&
                    `; last failure ${ageText(view.now - path.lastFailureAt)} ago`}
                </dd>
                <dt>Age</dt>
                <dd data-testid="path-age">
                  built {ageText(path.ageMs)} ago
                  {path.lastSuccessAt === undefined
                    ? '; no request through it yet'
                    : `; last success ${ageText(view.now - path.lastSuccessAt)} ago`}
                </dd>
              </dl>
            </div>
          ))}
          <button type="button" onClick={rebuild} disabled={busy}>
            {busy ? 'Rebuilding…' : 'Rebuild paths'}
          </button>
          <h3>Your swarm</h3>
          {view.swarm === null ? (
            <p>{view.swarmError ?? 'unknown'}</p>
          ) : (
            <>
              <p>
                Swarm <code>{view.swarm.id}</code>: {view.swarm.members.length} nodes hold your
                messages.
              </p>
              <ul class="swarm" data-testid="swarm">
                {view.swarm.members.map((node) => (
                  <li key={node.ed25519}>
                    {node.ip}:{node.port} <code>{shortId(node.ed25519)}</code>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  );
}

export function SettingsScreen(props: {
  api: Api;
  account: AccountSummary;
  accounts: AccountSummary[];
  settings: Settings;
  /** Sends a settings change and shows its answer (unless a newer word came meanwhile). */
  onSettings: (request: () => Promise<Settings>) => Promise<Settings>;
  onAccounts: () => void;
  onChooseAccount: (id: string) => void;
  onAddAccount: () => void;
  onBack: () => void;
}) {
  const { api, settings } = props;
  const [seedUrl, setSeedUrl] = useState(settings.seeds[0] ?? '');
  const [name, setName] = useState(props.account.displayName ?? '');
  const [note, setNote] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [reveal, setReveal] = useState<'closed' | 'confirm' | string>('closed');
  const [understood, setUnderstood] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const run = async (work: () => Promise<string>) => {
    setError(undefined);
    setNote(undefined);
    try {
      setNote(await work());
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const permission = 'Notification' in window ? Notification.permission : 'unsupported';
  return (
    <section class="screen" aria-label="Settings">
      <Head title="Settings" onBack={props.onBack} />
      {note !== undefined && (
        <p class="note" role="status">
          {note}
        </p>
      )}
      <ErrorAlert error={error} />
      <fieldset>
        <legend>Theme</legend>
        {(['system', 'light', 'dark'] as const).map((theme) => (
          <label class="inline" key={theme}>
            <input
              type="radio"
              name="theme"
              value={theme}
              checked={settings.theme === theme}
              onChange={() =>
                run(async () => {
                  await props.onSettings(() => api.setSettings({ theme }));
                  return `Theme: ${theme}`;
                })
              }
            />
            {theme[0]?.toUpperCase()}
            {theme.slice(1)}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Notifications</legend>
        <label class="inline">
          <input
            type="checkbox"
            name="notifications"
            checked={settings.notifications}
            onChange={(e) => {
              const on = (e.target as HTMLInputElement).checked;
              void run(async () => {
                if (on && 'Notification' in window && Notification.permission === 'default') {
                  await Notification.requestPermission();
                }
                await props.onSettings(() => api.setSettings({ notifications: on }));
                return on
                  ? `Notifications on (browser permission: ${'Notification' in window ? Notification.permission : 'unsupported'})`
                  : 'Notifications off';
              });
            }}
          />
          Show a notification for new messages
        </label>
        <p class="hint">Browser permission: {permission}</p>
      </fieldset>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await api.setDisplayName(props.account.id, { displayName: name.trim() });
            props.onAccounts();
            return 'Display name saved';
          });
        }}
      >
        <label>
          Display name
          <input
            name="displayName"
            maxLength={64}
            value={name}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit">Save name</button>
      </form>
      <fieldset>
        <legend>Network</legend>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              await props.onSettings(() => api.setNetwork({ seedUrl: seedUrl.trim() }));
              return 'Network changed: paths are rebuilt';
            });
          }}
        >
          <label>
            Seed URL
            <input
              name="seedUrl"
              value={seedUrl}
              placeholder="http://127.0.0.1:22100/json_rpc"
              onInput={(e) => setSeedUrl((e.target as HTMLInputElement).value)}
            />
          </label>
          <button type="submit">Use this seed</button>
        </form>
        <label>
          Or import a devnet.json
          <input
            type="file"
            name="devnet"
            accept="application/json,.json"
            onChange={(e) => {
              const file = (e.target as HTMLInputElement).files?.[0];
              if (file === undefined) return;
              void run(async () => {
                let devnet: unknown;
                try {
                  devnet = JSON.parse(await file.text());
                } catch {
                  throw new Error(`${file.name} is not JSON`);
                }
                const next = await props.onSettings(() =>
                  api.setNetwork({ devnet: devnet as { version: 1; seed: { url: string } } }),
                );
                setSeedUrl(next.seeds[0] ?? '');
                return `Network from ${file.name}`;
              });
            }}
          />
        </label>
      </fieldset>
      <fieldset>
        <legend>Recovery phrase</legend>
        {reveal === 'closed' && (
          <button type="button" onClick={() => setReveal('confirm')}>
            Reveal recovery phrase…
          </button>
        )}
        {reveal === 'confirm' && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void run(async () => {
                const { phrase } = await api.revealPhrase(props.account.id, {
                  confirm: true,
                  ...(props.account.sealed ? { passphrase } : {}),
                });
                setReveal(phrase);
                return 'Hide it again when you are done';
              });
            }}
          >
            <label class="inline">
              <input
                type="checkbox"
                checked={understood}
                onChange={(e) => setUnderstood((e.target as HTMLInputElement).checked)}
              />
              Anyone who sees these words can take over this account. Nobody is looking.
            </label>
            {props.account.sealed && (
              <label>
                Passphrase
                <input
                  type="password"
                  value={passphrase}
                  onInput={(e) => setPassphrase((e.target as HTMLInputElement).value)}
                />
              </label>
            )}
            <div class="row tight">
              <button type="submit" class="danger" disabled={!understood}>
                Reveal
              </button>
              <button type="button" onClick={() => setReveal('closed')}>
                Cancel
              </button>
            </div>
          </form>
        )}
        {reveal !== 'closed' && reveal !== 'confirm' && (
          <>
            <p class="phrase-text" data-testid="revealed-phrase">
              {reveal}
            </p>
            <button type="button" onClick={() => setReveal('closed')}>
              Hide
            </button>
          </>
        )}
      </fieldset>
      <fieldset>
        <legend>Accounts</legend>
        <ul class="accounts">
          {props.accounts.map((item) => (
            <li key={item.id}>
              <button
                type="button"
                aria-current={item.id === props.account.id ? 'true' : undefined}
                onClick={() => props.onChooseAccount(item.id)}
              >
                {item.displayName ?? shortId(item.sessionId ?? item.id)}
                {item.locked ? ' (locked)' : ''}
              </button>
            </li>
          ))}
        </ul>
        <button type="button" onClick={props.onAddAccount}>
          Add another account
        </button>
      </fieldset>
    </section>
  );
}
