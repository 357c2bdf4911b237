/**
 * One conversation: history newest at the bottom with day separators, timestamps and delivery
 * states, older pages loaded when scrolled to the top, the composer, local edits, retries,
 * the disappearing-messages timer and the nickname.
 *
 * The history is a windowed list: however many messages are loaded, only the rows near the
 * viewport (plus {@link OVERSCAN} on each side) are in the DOM; spacers above and below stand
 * for the others, with each row's height as measured once rendered (an estimate until then).
 * Opening a long conversation and scrolling through it stays cheap, and keyboard scrolling
 * (the list is focusable: arrows, Page Up/Down, Home/End) moves the window like the mouse does.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ErrorAlert } from './alert.js';
import type {
  Api,
  ConversationSummary,
  DisappearingMode,
  MessageView,
  TimerChoices,
} from './api.js';
import type { EventListener } from './app.js';
import { dayKey, dayLabel, shortId, time, timerName } from './format.js';
import { nameOf } from './messenger.js';
import { type RowWindow, rowWindow, spacers } from './row-window.js';
import { createStateLog } from './state-log.js';

/** How an incoming message arrived. */
const VIA_LABEL: Record<string, string> = {
  circuit: 'delivered live over a circuit',
  poll: 'fetched from the swarm',
};

/** The forward-secrecy mark: what it says to a screen reader, and the title shown on hover. */
function protocolLabel(protocol: NonNullable<MessageView['protocol']>): string {
  if (protocol === 'v2') return 'Forward-secret (Session Protocol v2)';
  if (protocol === 'v2-no-pfs') return 'Not forward-secret (Session Protocol v2 without its keys)';
  return 'Not forward-secret (Session Protocol v1)';
}

/** A small padlock (no emoji font is needed): closed for forward-secret messages. */
function Padlock(props: { closed: boolean }) {
  return (
    <svg width="9" height="11" viewBox="0 0 9 11" aria-hidden="true" focusable="false">
      <path
        d={props.closed ? 'M2 5V3.5a2.5 2.5 0 0 1 5 0V5' : 'M2 5V3.5a2.5 2.5 0 0 1 5 0V3'}
        fill="none"
        stroke="currentColor"
        stroke-width="1.3"
      />
      <rect x="0.5" y="5" width="8" height="5.5" rx="1" fill="currentColor" />
    </svg>
  );
}

/** The newest page; older pages are bigger (the daemon's maximum) so a long history needs few requests. */
const PAGE = 50;
const OLDER_PAGE = 200;
/** Rows rendered beyond each edge of the viewport. */
const OVERSCAN = 12;
/** The height assumed for a row not yet measured, px (a one-line message with its meta line). */
const ESTIMATE = 64;
/** Measuring passes allowed between two scroll events (a guard: two or three are the rule). */
const MAX_PASSES = 8;

const STATE_LABEL: Record<string, string> = {
  securing: 'Securing…',
  queued: 'Queued',
  sending: 'Sending…',
  sent: 'Stored in the swarm',
  failed: 'Failed',
};

export function ConversationView(props: {
  api: Api;
  account: string;
  sessionId: string;
  conversation: ConversationSummary | undefined;
  subscribe: (listener: EventListener) => () => void;
  onBack: () => void;
  onChanged: () => void;
}) {
  const { api, account, sessionId } = props;
  // Oldest first, as shown.
  const [messages, setMessages] = useState<MessageView[]>([]);
  const [more, setMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | undefined>();
  const [text, setText] = useState('');
  const [editing, setEditing] = useState<string | undefined>();
  const [options, setOptions] = useState<'none' | 'timer' | 'nickname'>('none');
  const listRef = useRef<HTMLDivElement>(null);
  const topSpacerRef = useRef<HTMLDivElement>(null);
  const keepBottom = useRef(true);
  const restoreFrom = useRef<number | undefined>(undefined);
  const heights = useRef(new Map<string, number>());
  const passes = useRef(0);
  // The event stream's last word on each message's state, so that a late HTTP answer (a
  // snapshot) never undoes it (state-log.ts).
  const stateLog = useRef(
    createStateLog<NonNullable<MessageView['state']>, NonNullable<MessageView['protocol']>>(),
  ).current;
  const [rows, setRows] = useState<RowWindow>({ start: 0, end: 0 });
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const [measured, setMeasured] = useState(0);
  const heightOf = (m: MessageView) => heights.current.get(m.id) ?? ESTIMATE;

  /** The rows the viewport (plus overscan) shows at the current scroll position. */
  const visibleRows = (list: HTMLDivElement, all: MessageView[]): RowWindow =>
    rowWindow(
      all.map(heightOf),
      list.scrollTop - (topSpacerRef.current?.offsetTop ?? 0),
      list.clientHeight,
      OVERSCAN,
    );

  const updateRows = (all: MessageView[]) => {
    const list = listRef.current;
    if (list === null) return;
    const next = visibleRows(list, all);
    // Only a different window renders again (a state update, even to the same value, would
    // render again, and this runs after every render).
    const current = rowsRef.current;
    if (current.start !== next.start || current.end !== next.end) setRows(next);
  };
  const name = nameOf(props.conversation, sessionId);

  const markRead = () => {
    void api.markRead(account, sessionId).catch(() => undefined);
  };

  useEffect(() => {
    let stopped = false;
    setLoading(true);
    const since = stateLog.mark();
    api.history(account, sessionId, undefined, PAGE).then(
      (page) => {
        if (stopped) return;
        setMessages([...page.messages].reverse().map((m) => stateLog.settle(m, since)));
        setMore(page.more);
        setLoading(false);
        requestAnimationFrame(() => performance.mark('murmur-conversation-shown'));
        markRead();
      },
      (e: Error) => {
        setError(e.message);
        setLoading(false);
      },
    );
    const off = props.subscribe((event) => {
      if ('account' in event && event.account !== account) return;
      if (event.type === 'message' && event.message.conversationId === sessionId) {
        keepBottom.current = true;
        setMessages((list) =>
          list.some((m) => m.id === event.message.id) ? list : [...list, event.message],
        );
        if (!document.hidden) markRead();
      } else if (event.type === 'message-state' && event.conversationId === sessionId) {
        stateLog.record(event.id, {
          state: event.state,
          ...(event.protocol === undefined ? {} : { protocol: event.protocol }),
        });
        setMessages((list) =>
          list.map((m) =>
            m.id === event.id
              ? {
                  ...m,
                  state: event.state,
                  ...(event.protocol === undefined ? {} : { protocol: event.protocol }),
                }
              : m,
          ),
        );
      } else if (event.type === 'message-edited' && event.message.conversationId === sessionId) {
        setMessages((list) => list.map((m) => (m.id === event.message.id ? event.message : m)));
      } else if (event.type === 'message-deleted' && event.conversationId === sessionId) {
        setMessages((list) => list.filter((m) => m.id !== event.id));
      }
    });
    return () => {
      stopped = true;
      off();
    };
  }, [api, account, sessionId]);

  // New or fewer messages: measuring starts afresh.
  useLayoutEffect(() => {
    passes.current = 0;
  }, [messages]);

  useLayoutEffect(() => {
    const list = listRef.current;
    if (list === null) return;
    // Measure the rendered rows; a changed height changes the spacers (another pass). Heights
    // are fractional (rounded ones would depend on where a row sits and could flip between two
    // values forever), and a row's height counts as changed only beyond half a pixel; a few
    // passes at most between two scrolls, whatever happens.
    // A row above the viewport that turned out taller or shorter than assumed moved what is in
    // view: the scroll position follows it (the browser's own scroll anchoring is off, see
    // styles.css, as it fights the spacers).
    let changed = false;
    let shiftAbove = 0;
    const viewTop = list.getBoundingClientRect().top;
    for (const row of list.querySelectorAll<HTMLElement>('[data-row]')) {
      const id = row.dataset['row'] as string;
      const box = row.getBoundingClientRect();
      const known = heights.current.get(id);
      if (known === undefined || Math.abs(known - box.height) > 0.5) {
        if (box.bottom <= viewTop) shiftAbove += box.height - (known ?? ESTIMATE);
        heights.current.set(id, box.height);
        changed = true;
      }
    }
    if (shiftAbove !== 0 && restoreFrom.current === undefined && !keepBottom.current) {
      list.scrollTop += shiftAbove;
    }
    if (changed) passes.current++;
    if (restoreFrom.current !== undefined) {
      list.scrollTop = list.scrollHeight - restoreFrom.current;
      restoreFrom.current = undefined;
    } else if (keepBottom.current) {
      list.scrollTop = list.scrollHeight;
    }
    if (changed && passes.current <= MAX_PASSES) setMeasured((n) => n + 1);
    else updateRows(messages);
  }, [messages, rows, measured]);

  const loadOlder = async () => {
    const oldest = messages[0];
    if (!more || loading || oldest === undefined) return;
    setLoading(true);
    try {
      const since = stateLog.mark();
      const page = await api.history(account, sessionId, oldest.id, OLDER_PAGE);
      const list = listRef.current;
      restoreFrom.current = list === null ? undefined : list.scrollHeight - list.scrollTop;
      keepBottom.current = false;
      // The rendered rows stay the same messages: their indices move by the page's length.
      const added = page.messages.length;
      setRows({ start: rowsRef.current.start + added, end: rowsRef.current.end + added });
      setMessages((current) => [
        ...[...page.messages].reverse().map((m) => stateLog.settle(m, since)),
        ...current,
      ]);
      setMore(page.more);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  };

  const onScroll = () => {
    const list = listRef.current;
    if (list === null) return;
    keepBottom.current = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    passes.current = 0;
    updateRows(messages);
    if (list.scrollTop < 80) void loadOlder();
  };

  const send = async (event?: Event) => {
    event?.preventDefault();
    const body = text.trim();
    if (body === '') return;
    setError(undefined);
    try {
      const since = stateLog.mark();
      const { message } = await api.send(account, sessionId, { text: body });
      keepBottom.current = true;
      const shown = stateLog.settle(message, since);
      setMessages((list) => (list.some((m) => m.id === message.id) ? list : [...list, shown]));
      setText('');
      props.onChanged();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const retry = async (id: string) => {
    try {
      const since = stateLog.mark();
      const { message } = await api.retry(account, id);
      const shown = stateLog.settle(message, since);
      setMessages((list) => list.map((m) => (m.id === id ? shown : m)));
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const optionsDone = () => {
    setOptions('none');
    props.onChanged();
  };

  const start = Math.min(rows.start, messages.length);
  const end = Math.min(Math.max(rows.end, start), messages.length);
  const { above, below } = spacers(messages.map(heightOf), { start, end });
  return (
    <section class="conversation" aria-label={`Conversation with ${name}`}>
      <header class="panel-head">
        <button
          type="button"
          class="back"
          onClick={props.onBack}
          aria-label="Back to conversations"
        >
          ←
        </button>
        <div class="title">
          <h2>{name}</h2>
          <span class="sub" title={sessionId}>
            {shortId(sessionId)}
            {props.conversation !== undefined && props.conversation.disappearing.mode !== 'off' && (
              <span class="timer-badge" data-testid="timer-badge">
                {' '}
                · disappears{' '}
                {props.conversation.disappearing.mode === 'after-send'
                  ? 'after send'
                  : 'after read'}
                : {timerName(props.conversation.disappearing.seconds)}
              </span>
            )}
          </span>
        </div>
        <button
          type="button"
          onClick={() => setOptions(options === 'timer' ? 'none' : 'timer')}
          aria-expanded={options === 'timer'}
        >
          Disappearing
        </button>
        <button
          type="button"
          onClick={() => setOptions(options === 'nickname' ? 'none' : 'nickname')}
          aria-expanded={options === 'nickname'}
        >
          Nickname
        </button>
      </header>
      {options === 'timer' && (
        <TimerForm
          api={api}
          account={account}
          sessionId={sessionId}
          current={props.conversation?.disappearing}
          onDone={optionsDone}
        />
      )}
      {options === 'nickname' && (
        <NicknameForm
          api={api}
          account={account}
          sessionId={sessionId}
          current={props.conversation?.nickname}
          onDone={optionsDone}
        />
      )}
      <div
        class="messages"
        ref={listRef}
        onScroll={onScroll}
        role="log"
        aria-live="polite"
        aria-label="Messages"
        aria-busy={loading}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling log must take the keyboard (axe: scrollable-region-focusable); arrows, Page Up/Down and Home/End move the windowed list
        tabIndex={0}
      >
        {more && (
          <button type="button" class="load-older" onClick={loadOlder} disabled={loading}>
            {loading ? 'Loading…' : 'Load older messages'}
          </button>
        )}
        {!loading && messages.length === 0 && <p class="empty">No messages yet. Say hello.</p>}
        <div class="spacer" ref={topSpacerRef} style={{ height: `${above}px` }} />
        {messages.slice(start, end).map((m, offset) => {
          const index = start + offset;
          const previous = messages[index - 1];
          const separator = previous === undefined || dayKey(previous.sentAt) !== dayKey(m.sentAt);
          return (
            <div class="row" key={m.id} data-row={m.id}>
              {separator && (
                <div class="day">
                  <span>{dayLabel(m.sentAt)}</span>
                </div>
              )}
              <article
                class={`message ${m.direction}`}
                data-testid="message"
                data-state={m.state ?? 'received'}
                aria-label={`${m.direction === 'outgoing' ? 'You' : (m.displayName ?? name)} at ${time(m.sentAt)}`}
              >
                {editing === m.id ? (
                  <EditForm
                    initial={m.text}
                    onCancel={() => setEditing(undefined)}
                    onSave={async (value) => {
                      try {
                        const since = stateLog.mark();
                        const { message } = await api.editLocal(account, m.id, { text: value });
                        const shown = stateLog.settle(message, since);
                        setMessages((list) => list.map((x) => (x.id === m.id ? shown : x)));
                        setEditing(undefined);
                      } catch (e) {
                        setError((e as Error).message);
                      }
                    }}
                  />
                ) : (
                  <p class="text">{m.text}</p>
                )}
                <footer class="meta">
                  {m.protocol !== undefined && (
                    <span
                      class={`fs ${m.protocol === 'v2' ? 'on' : 'off'}`}
                      role="img"
                      aria-label={protocolLabel(m.protocol)}
                      title={protocolLabel(m.protocol)}
                      data-testid="protocol"
                      data-protocol={m.protocol}
                    >
                      <Padlock closed={m.protocol === 'v2'} />
                    </span>
                  )}
                  <time dateTime={new Date(m.sentAt).toISOString()}>{time(m.sentAt)}</time>
                  {m.editedLocally && <span class="edited"> · edited locally</span>}
                  {m.expiresAt !== undefined && (
                    <span class="expires"> · disappears {time(m.expiresAt)}</span>
                  )}
                  {m.direction === 'incoming' && m.via !== undefined && (
                    <span class={`via ${m.via}`} data-testid="via" data-via={m.via}>
                      {' '}
                      · {VIA_LABEL[m.via]}
                    </span>
                  )}
                  {m.direction === 'outgoing' && m.state !== undefined && (
                    <span class={`state ${m.state}`}> · {STATE_LABEL[m.state] ?? m.state}</span>
                  )}
                  {m.state === 'failed' && (
                    <button type="button" class="link" onClick={() => retry(m.id)}>
                      Retry
                    </button>
                  )}
                  {editing !== m.id && (
                    <button
                      type="button"
                      class="link"
                      aria-label="Edit local copy"
                      onClick={() => setEditing(m.id)}
                    >
                      Edit local copy
                    </button>
                  )}
                </footer>
              </article>
            </div>
          );
        })}
        <div class="spacer" style={{ height: `${below}px` }} />
      </div>
      <ErrorAlert error={error} />
      <form class="composer" onSubmit={send}>
        <textarea
          aria-label="Message"
          placeholder="Message (Enter sends, Shift+Enter for a new line)"
          rows={2}
          maxLength={8000}
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              void send();
            }
          }}
        />
        <button type="submit" class="primary" disabled={text.trim() === ''}>
          Send
        </button>
      </form>
    </section>
  );
}

function EditForm(props: {
  initial: string;
  onSave: (text: string) => void;
  onCancel: () => void;
}) {
  const [value, setValue] = useState(props.initial);
  return (
    <form
      class="edit"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim() !== '') props.onSave(value);
      }}
    >
      <label>
        Local copy (only changes what this computer keeps)
        <textarea
          value={value}
          rows={2}
          onInput={(e) => setValue((e.target as HTMLTextAreaElement).value)}
        />
      </label>
      <div class="row tight">
        <button type="submit" class="primary">
          Save local copy
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function TimerForm(props: {
  api: Api;
  account: string;
  sessionId: string;
  current: { mode: DisappearingMode; seconds: number } | undefined;
  onDone: () => void;
}) {
  const [choices, setChoices] = useState<TimerChoices | undefined>();
  const [mode, setMode] = useState<DisappearingMode>(props.current?.mode ?? 'off');
  const [seconds, setSeconds] = useState(props.current?.seconds ?? 0);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    void props.api.timers().then(setChoices);
  }, [props.api]);
  const list =
    mode === 'after-send' ? choices?.afterSend : mode === 'after-read' ? choices?.afterRead : [];
  const save = async (event: Event) => {
    event.preventDefault();
    try {
      await props.api.setDisappearing(props.account, props.sessionId, {
        mode,
        seconds: mode === 'off' ? 0 : seconds,
      });
      props.onDone();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <form class="options" onSubmit={save} aria-label="Disappearing messages">
      <fieldset>
        <legend>Disappearing messages</legend>
        {(['off', 'after-read', 'after-send'] as const).map((value) => (
          <label class="inline" key={value}>
            <input
              type="radio"
              name="mode"
              value={value}
              checked={mode === value}
              onChange={() => {
                setMode(value);
                const first =
                  value === 'after-send' ? choices?.afterSend[0] : choices?.afterRead[0];
                setSeconds(value === 'off' ? 0 : (first ?? 0));
              }}
            />
            {value === 'off'
              ? 'Off'
              : value === 'after-read'
                ? 'Disappear after read'
                : 'Disappear after send'}
          </label>
        ))}
      </fieldset>
      {mode !== 'off' && (
        <label>
          Timer
          <select
            name="seconds"
            value={String(seconds)}
            onChange={(e) => setSeconds(Number((e.target as HTMLSelectElement).value))}
          >
            {(list ?? []).map((value) => (
              <option key={value} value={String(value)}>
                {timerName(value)}
              </option>
            ))}
          </select>
        </label>
      )}
      <ErrorAlert error={error} />
      <button type="submit" class="primary">
        Set
      </button>
    </form>
  );
}

function NicknameForm(props: {
  api: Api;
  account: string;
  sessionId: string;
  current: string | undefined;
  onDone: () => void;
}) {
  const [value, setValue] = useState(props.current ?? '');
  const [error, setError] = useState<string | undefined>();
  const save = async (event: Event) => {
    event.preventDefault();
    try {
      await props.api.setNickname(props.account, props.sessionId, {
        nickname: value.trim() === '' ? null : value.trim(),
      });
      props.onDone();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <form class="options" onSubmit={save}>
      <label>
        Nickname (only on this computer; empty removes it)
        <input
          name="nickname"
          maxLength={64}
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
      </label>
      <ErrorAlert error={error} />
      <button type="submit" class="primary">
        Save nickname
      </button>
    </form>
  );
}
