/** The messenger: the conversation list beside the open panel (one pane at a time below 720 px). */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ErrorAlert } from './alert.js';
import type { AccountSummary, Api, ConversationSummary, MessageView, Settings } from './api.js';
import type { EventListener } from './app.js';
import { ConversationView } from './conversation.js';
import { shortId } from './format.js';
import { NetworkScreen, NewConversation, SettingsScreen } from './screens.js';
import { createSnapshotOrder } from './state-log.js';

export type Panel =
  | { kind: 'none' }
  | { kind: 'conversation'; sessionId: string }
  | { kind: 'new' }
  | { kind: 'network' }
  | { kind: 'settings' };

export function nameOf(conversation: ConversationSummary | undefined, sessionId: string): string {
  return conversation?.nickname ?? conversation?.displayName ?? shortId(sessionId);
}

export function Messenger(props: {
  api: Api;
  account: AccountSummary;
  accounts: AccountSummary[];
  settings: Settings;
  connected: boolean;
  subscribe: (listener: EventListener) => () => void;
  onSettings: (request: () => Promise<Settings>) => Promise<Settings>;
  onAccounts: () => void;
  onChooseAccount: (id: string) => void;
  onAddAccount: () => void;
}) {
  const { api, account } = props;
  const [panel, setPanel] = useState<Panel>({ kind: 'none' });
  const [conversations, setConversations] = useState<ConversationSummary[]>([]);
  const [listError, setListError] = useState<string | undefined>();
  const [search, setSearch] = useState('');
  const searchRef = useRef<HTMLInputElement>(null);
  const panelRef = useRef<Panel>(panel);
  panelRef.current = panel;
  const conversationsRef = useRef(conversations);
  conversationsRef.current = conversations;
  // Every event refetches the list, so answers overlap: the newest request's answer wins (a
  // late answer to an older one would bring back an unread count already read; state-log.ts).
  const listOrder = useRef(createSnapshotOrder()).current;

  const refresh = useCallback(async () => {
    const ticket = listOrder.begin();
    try {
      const list = (await api.conversations(account.id)).conversations;
      if (!listOrder.accept(ticket)) return;
      setConversations(list);
      setListError(undefined);
      // The first list shown: the app is interactive (the bench's time to interactive).
      if (performance.getEntriesByName('murmur-interactive').length === 0) {
        requestAnimationFrame(() => performance.mark('murmur-interactive'));
      }
    } catch (e) {
      if (listOrder.accept(ticket)) setListError((e as Error).message);
    }
  }, [api, account.id]);

  // Whatever happened while the event stream was not (yet) open is fetched once it opens.
  useEffect(() => {
    if (props.connected) void refresh();
  }, [props.connected, refresh]);

  /**
   * A notification through the browser's Notification API for an incoming message, when the
   * settings ask for it, the browser permits it, and the person is not looking at that
   * conversation (another one is open, or the page is hidden or not focused). Titled with the
   * conversation's name as the list shows it; clicking it opens the conversation.
   */
  const notify = (message: MessageView) => {
    if (!props.settings.notifications || !('Notification' in window)) return;
    if (Notification.permission !== 'granted') return;
    const open = panelRef.current;
    const looking =
      document.visibilityState === 'visible' &&
      document.hasFocus() &&
      open.kind === 'conversation' &&
      open.sessionId === message.conversationId;
    if (looking) return;
    const conversation = conversationsRef.current.find(
      (c) => c.sessionId === message.conversationId,
    );
    const notice = new Notification(
      conversation?.nickname ?? message.displayName ?? nameOf(conversation, message.conversationId),
      { body: message.text, tag: `${account.id}:${message.conversationId}` },
    );
    notice.onclick = () => {
      window.focus();
      setPanel({ kind: 'conversation', sessionId: message.conversationId });
      notice.close();
    };
  };

  useEffect(() => {
    void refresh();
    return props.subscribe((event) => {
      if ('account' in event && event.account !== account.id) return;
      if (
        event.type === 'message' ||
        event.type === 'conversations' ||
        event.type === 'message-deleted' ||
        event.type === 'message-state' ||
        event.type === 'message-edited'
      ) {
        void refresh();
      }
      if (event.type === 'message' && event.message.direction === 'incoming') {
        notify(event.message);
      }
    });
  }, [refresh, props.subscribe, account.id, props.settings.notifications]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        searchRef.current?.focus();
      } else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'n') {
        event.preventDefault();
        setPanel({ kind: 'new' });
      } else if (event.key === 'Escape' && panelRef.current.kind !== 'none') {
        setPanel({ kind: 'none' });
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const needle = search.trim().toLowerCase();
  const shown = conversations.filter(
    (c) =>
      needle === '' ||
      c.sessionId.includes(needle) ||
      (c.nickname ?? '').toLowerCase().includes(needle) ||
      (c.displayName ?? '').toLowerCase().includes(needle) ||
      (c.lastMessage?.text ?? '').toLowerCase().includes(needle),
  );

  const onListKey = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const items = [...document.querySelectorAll<HTMLButtonElement>('.conversation-item')];
    const index = items.indexOf(document.activeElement as HTMLButtonElement);
    const next = items[index + (event.key === 'ArrowDown' ? 1 : -1)];
    if (next !== undefined) {
      event.preventDefault();
      next.focus();
    }
  };

  const current =
    panel.kind === 'conversation'
      ? conversations.find((c) => c.sessionId === panel.sessionId)
      : undefined;

  return (
    <div class={`messenger ${panel.kind === 'none' ? 'show-list' : 'show-panel'}`}>
      <nav class="sidebar" aria-label="Conversations">
        <header class="sidebar-head">
          <div class="me">
            <strong>{account.displayName ?? 'Me'}</strong>
            <span class={`dot ${props.connected ? 'on' : 'off'}`} role="status">
              {props.connected ? 'connected' : 'reconnecting…'}
            </span>
          </div>
          <div class="row tight">
            <button
              type="button"
              class="primary"
              onClick={() => setPanel({ kind: 'new' })}
              aria-label="New conversation"
            >
              + New
            </button>
            <button type="button" onClick={() => setPanel({ kind: 'network' })}>
              Network
            </button>
            <button type="button" onClick={() => setPanel({ kind: 'settings' })}>
              Settings
            </button>
          </div>
          <input
            ref={searchRef}
            type="search"
            placeholder="Search (Ctrl+K)"
            aria-label="Search conversations"
            value={search}
            onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
          />
        </header>
        <ErrorAlert error={listError} />
        <ul class="conversation-list" onKeyDown={onListKey}>
          {shown.map((c) => (
            <li key={c.sessionId}>
              <button
                type="button"
                class={`conversation-item ${panel.kind === 'conversation' && panel.sessionId === c.sessionId ? 'active' : ''}`}
                aria-current={
                  panel.kind === 'conversation' && panel.sessionId === c.sessionId
                    ? 'true'
                    : undefined
                }
                aria-label={`${nameOf(c, c.sessionId)}${c.unreadCount > 0 ? `, ${c.unreadCount} unread` : ''}`}
                onClick={() => setPanel({ kind: 'conversation', sessionId: c.sessionId })}
              >
                <span class="name">{nameOf(c, c.sessionId)}</span>
                {c.unreadCount > 0 && (
                  <span class="badge" data-testid="unread">
                    {c.unreadCount}
                  </span>
                )}
                <span class="last">{c.lastMessage?.text ?? 'No messages yet'}</span>
              </button>
            </li>
          ))}
          {shown.length === 0 && (
            <li class="empty">
              {needle === '' ? 'No conversations yet: start one with + New.' : 'Nothing matches.'}
            </li>
          )}
        </ul>
      </nav>
      <main class="panel" aria-label="Content">
        {panel.kind === 'none' && (
          <div class="placeholder">
            <p>Choose a conversation, or start a new one.</p>
          </div>
        )}
        {panel.kind === 'conversation' && (
          <ConversationView
            key={panel.sessionId}
            api={api}
            account={account.id}
            sessionId={panel.sessionId}
            conversation={current}
            subscribe={props.subscribe}
            onBack={() => setPanel({ kind: 'none' })}
            onChanged={refresh}
          />
        )}
        {panel.kind === 'new' && (
          <NewConversation
            api={api}
            account={account}
            onBack={() => setPanel({ kind: 'none' })}
            onStarted={(sessionId) => {
              void refresh();
              setPanel({ kind: 'conversation', sessionId });
            }}
          />
        )}
        {panel.kind === 'network' && (
          <NetworkScreen
            api={api}
            account={account.id}
            subscribe={props.subscribe}
            onBack={() => setPanel({ kind: 'none' })}
          />
        )}
        {panel.kind === 'settings' && (
          <SettingsScreen
            api={api}
            account={account}
            accounts={props.accounts}
            settings={props.settings}
            onSettings={props.onSettings}
            onAccounts={props.onAccounts}
            onChooseAccount={props.onChooseAccount}
            onAddAccount={props.onAddAccount}
            onBack={() => setPanel({ kind: 'none' })}
          />
        )}
      </main>
    </div>
  );
}
