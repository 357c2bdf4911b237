/**
 * Disappearing-message timers, with Session's choices (session-desktop
 * `ts/session/disappearing_messages/timerOptions.ts`): "disappear after read" 5 min, 1 h, 12 h,
 * 1 day, 1 week, 2 weeks; "disappear after send" 12 h, 1 day, 1 week, 2 weeks. Session's
 * development builds add 10 s, 30 s and 1 min to both; so does `--dev-timers` (the tests use it).
 */
import { InvalidInputError } from '@murmur/wire';
import type { DisappearingSetting, TimerChoices } from './schemas.js';

const AFTER_READ = [300, 3_600, 43_200, 86_400, 604_800, 1_209_600];
const AFTER_SEND = [43_200, 86_400, 604_800, 1_209_600];
const DEVELOPMENT = [10, 30, 60];

/** The timer choices offered. */
export function timerChoices(devTimers: boolean): TimerChoices {
  const extra = devTimers ? DEVELOPMENT : [];
  return { afterRead: [...extra, ...AFTER_READ], afterSend: [...extra, ...AFTER_SEND] };
}

/** Throws `InvalidInputError` unless `setting` is off or one of the choices of its mode. */
export function checkDisappearing(
  setting: DisappearingSetting,
  devTimers: boolean,
): DisappearingSetting {
  if (setting.mode === 'off') return { mode: 'off', seconds: 0 };
  const choices = timerChoices(devTimers);
  const allowed = setting.mode === 'after-send' ? choices.afterSend : choices.afterRead;
  if (!allowed.includes(setting.seconds)) {
    throw new InvalidInputError(
      `${setting.seconds} s is not a ${setting.mode} timer: choose one of ${allowed.join(', ')} s`,
      { details: { field: 'seconds' } },
    );
  }
  return { mode: setting.mode, seconds: setting.seconds };
}
