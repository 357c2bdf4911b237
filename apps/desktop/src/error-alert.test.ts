/** The UI's one error line ({@link ErrorAlert}): nothing without an error, else a `role="alert"` line. */
import type { VNode } from 'preact';
import { describe, expect, it } from 'vitest';
import { ErrorAlert } from '../ui/src/alert.js';

describe('ErrorAlert', () => {
  it('renders nothing without an error', () => {
    expect(ErrorAlert({ error: undefined })).toBeNull();
  });

  it('renders the error as an alert, with the test ID when given', () => {
    const line = ErrorAlert({ error: 'wrong passphrase', testId: 'add-error' }) as VNode<{
      class: string;
      role: string;
      'data-testid'?: string;
      children: unknown;
    }>;
    expect(line.type).toBe('p');
    expect(line.props).toMatchObject({
      class: 'error',
      role: 'alert',
      'data-testid': 'add-error',
      children: 'wrong passphrase',
    });
    const plain = ErrorAlert({ error: 'x' }) as VNode<{ 'data-testid'?: string }>;
    expect(plain.props['data-testid']).toBeUndefined();
  });
});
