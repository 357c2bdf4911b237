/**
 * The one way a screen shows what went wrong: a `role="alert"` line, nothing when all is well.
 * Plain `h` rather than JSX, so the daemon's tests (`src/error-alert.test.ts`) check it too.
 */
import { h, type VNode } from 'preact';

export function ErrorAlert(props: { error: string | undefined; testId?: string }): VNode | null {
  if (props.error === undefined) return null;
  const attributes: Record<string, string> = { class: 'error', role: 'alert' };
  if (props.testId !== undefined) attributes['data-testid'] = props.testId;
  return h('p', attributes, props.error);
}
