/**
 * The app shell: the token, the accounts (onboarding, unlock, or the messenger), the event
 * stream, theme and notifications. Screens live in their own files.
 */
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import {
  type AccountSummary,
  type Api,
  createApi,
  type DesktopEvent,
  type Settings,
  takeToken,
} from './api.js';
import { Messenger } from './messenger.js';
import { Onboarding, Unlock } from './onboarding.js';
import { createSnapshotOrder } from './state-log.js';

export type EventListener = (event: DesktopEvent) => void;

function applyTheme(theme: Settings['theme']) {
  const dark =
    theme === 'dark' || (theme === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.setAttribute('data-theme', dark ? 'dark' : 'light');
}

export function App() {
  const token = useMemo(() => takeToken(), []);
  if (token === undefined) {
    return (
      <main class="center-card">
        <h1>Murmur</h1>
        <p>
          This page needs the address <code>murmur-desktop</code> printed when it started (it
          carries a one-time token after <code>#</code>). Open that address.
        </p>
      </main>
    );
  }
  return <WithToken api={useMemo(() => createApi(token), [token])} />;
}

function WithToken({ api }: { api: Api }) {
  const [accounts, setAccounts] = useState<AccountSummary[] | undefined>();
  const [current, setCurrent] = useState<string | undefined>(
    () => localStorage.getItem('murmur-account') ?? undefined,
  );
  const [settings, setSettings] = useState<Settings | undefined>();
  const [connected, setConnected] = useState(false);
  const [listeners] = useState(() => new Set<EventListener>());
  const [error, setError] = useState<string | undefined>();
  // Onboarding runs until it ends, even when the new account appears in the list meanwhile.
  const [onboarding, setOnboarding] = useState(false);

  // The accounts list comes by two roads: answers (at start, after onboarding, an unlock, a new
  // display name) and the stream's `accounts` events, which the daemon sends on every change.
  // The stream's word is the last: an answer whose request left before an event is dropped,
  // and so is one older than an answer already shown (state-log.ts).
  const accountsOrder = useMemo(createSnapshotOrder, []);
  const settingsOrder = useMemo(createSnapshotOrder, []);

  const refreshAccounts = useCallback(async () => {
    const ticket = accountsOrder.begin();
    try {
      const list = (await api.accounts()).accounts;
      if (!accountsOrder.accept(ticket)) return;
      if (list.length === 0) setOnboarding(true);
      setAccounts(list);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [api, accountsOrder]);

  /** Settings from an answer (the first load, or a change made on this page). */
  const settingsAnswer = useCallback(
    async (request: () => Promise<Settings>): Promise<Settings> => {
      const ticket = settingsOrder.begin();
      const next = await request();
      if (settingsOrder.accept(ticket)) setSettings(next);
      return next;
    },
    [settingsOrder],
  );

  useEffect(() => {
    void refreshAccounts();
    void settingsAnswer(api.settings).catch(() => undefined);
    return api.events((event) => {
      if (event.type === 'accounts') {
        accountsOrder.streamed();
        // The stream's snapshot (sent first on every connection) can come before the answer,
        // which is then dropped: no account means onboarding here too, or the new account's
        // event would end it before its recovery phrase is shown.
        if (event.accounts.length === 0) setOnboarding(true);
        setAccounts(event.accounts);
      } else if (event.type === 'settings') {
        settingsOrder.streamed();
        setSettings(event.settings);
      }
      for (const listener of listeners) listener(event);
    }, setConnected);
  }, [api, listeners, refreshAccounts, settingsAnswer, accountsOrder, settingsOrder]);

  useEffect(() => {
    if (settings === undefined) return;
    applyTheme(settings.theme);
    const media = matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => applyTheme(settings.theme);
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  }, [settings]);

  const subscribe = useCallback(
    (listener: EventListener) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    [listeners],
  );

  const choose = (id: string) => {
    localStorage.setItem('murmur-account', id);
    setCurrent(id);
    setOnboarding(false);
  };

  if (error !== undefined && accounts === undefined) {
    return (
      <main class="center-card">
        <h1>Murmur</h1>
        <p role="alert">The daemon did not answer: {error}</p>
      </main>
    );
  }
  if (accounts === undefined || settings === undefined) {
    return (
      <main class="center-card" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  }
  const account = accounts.find((item) => item.id === current) ?? accounts[0];
  if (account === undefined || onboarding) {
    return (
      <Onboarding
        api={api}
        canCancel={accounts.length > 0}
        onCancel={() => setOnboarding(false)}
        onDone={(id) => {
          void refreshAccounts();
          choose(id);
        }}
      />
    );
  }
  if (account.locked) {
    return <Unlock api={api} account={account} onUnlocked={refreshAccounts} />;
  }
  return (
    <Messenger
      api={api}
      account={account}
      accounts={accounts}
      settings={settings}
      connected={connected}
      subscribe={subscribe}
      onSettings={settingsAnswer}
      onAccounts={refreshAccounts}
      onChooseAccount={choose}
      onAddAccount={() => setOnboarding(true)}
    />
  );
}
