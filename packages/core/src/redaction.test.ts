import { describe, expect, it } from 'vitest';
import { applyCapturePolicy, redactText } from './redaction.js';

const KEY = '[REDACTED:api_key]';

describe('redactText', () => {
  it.each([
    ['OpenAI project key', 'key sk-proj-4f9Kq2ZxW8mN1vB7tR3yL0pS_aZ-93kd'],
    ['OpenAI legacy key', 'key sk-4f9Kq2ZxW8mN1vB7tR3yL0pSaZ93kdQ'],
    ['Anthropic key', 'key sk-ant-api03-AbC123dEf456GhI789jKl012MnO345pQr678-xyz_ABCDEFG'],
    ['AWS access key id', 'key AKIAIOSFODNN7EXAMPLE'],
    ['GitHub token', 'key ghp_1234567890abcdefghijABCDEFGHIJ123456'],
    ['GitHub fine-grained token', 'key github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz'],
    ['Google API key', 'key AIzaSyD-1234567890abcdefghijklmnopqrstu'],
    ['Slack token', 'key xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'],
    [
      'JWT',
      'key eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    ],
  ])('replaces an %s', (_name, text) => {
    expect(redactText(text)).toBe(`key ${KEY}`);
  });

  it('keeps the Bearer scheme and hides the token', () => {
    expect(redactText('Authorization: Bearer 4f9Kq2ZxW8mN1vB7tR3yL0pS.x')).toBe(`Authorization: Bearer ${KEY}`);
  });

  it('replaces e-mail addresses', () => {
    expect(redactText('Write to jane.doe+tally@mail.example.co.uk today.')).toBe('Write to [REDACTED:email] today.');
  });

  it('replaces Luhn-valid card numbers written with spaces, dashes or nothing', () => {
    expect(redactText('visa 4111 1111 1111 1111, exp 12/27')).toBe('visa [REDACTED:card], exp 12/27');
    expect(redactText('mc 5555-5555-5555-4444')).toBe('mc [REDACTED:card]');
    expect(redactText('amex 378282246310005 then 2024')).toBe('amex [REDACTED:card] then 2024');
  });

  it('replaces international and national phone numbers', () => {
    const text =
      'Call +1 415 555 2671, +44 20 7946 0958, +4915112345678, (415) 555-2671, 1-800-555-1234 or 06 12 34 56 78.';
    expect(redactText(text)).toBe(
      'Call [REDACTED:phone], [REDACTED:phone], [REDACTED:phone], [REDACTED:phone], [REDACTED:phone] or [REDACTED:phone].',
    );
  });

  it('leaves ordinary text and ordinary numbers alone', () => {
    const text = [
      'The bearer responsibilities of Bearer bonds; sk-learn-is-a-python-library-name; task-sk-something.',
      'Card 4111-1111-1111-1112 fails Luhn; order 123456789012; 1732358400000 ms; 9876543210.',
      'Dates 2024-01-15 10:30:00 and 05.03.2024; version 1.2.3; pi 3.14159265358979323846; 2+2=4; +5 points.',
      'Scores 100 200 300 400 500; $1,234,567.89; 12 345 678 units; ISBN 978-3-16-148410-0.',
      'uuid 123e4567-e89b-12d3-a456-426614174000; user@localhost has no domain; a @ b.',
    ].join('\n');
    expect(redactText(text)).toBe(text);
  });

  it('stays linear on adversarial megabyte inputs', () => {
    const mb = (unit: string) => unit.repeat(Math.ceil(2 ** 20 / unit.length));
    const inputs = [
      'sk-',
      '-sk-a',
      'eyJ-',
      'eyJaaaaa.',
      'a@',
      'x@a.',
      '1 ',
      '4-',
      '+1',
      '+1 2',
      '0 12 ',
      'Bearer a',
      'ghp_',
    ];
    for (const unit of inputs) {
      // A quadratic pattern would take minutes here and hit the test timeout.
      const text = mb(unit);
      expect(redactText(text).length).toBeGreaterThan(0);
    }
    const long = `${mb('word ')} sk-proj-4f9Kq2ZxW8mN1vB7tR3yL0pS`;
    expect(redactText(long).endsWith(` ${KEY}`)).toBe(true);
  });
});

describe('applyCapturePolicy', () => {
  const text = 'mail bob@example.com';

  it('stores nothing under none, a redacted copy under redacted, the text under full', () => {
    expect(applyCapturePolicy('none', text)).toBeNull();
    expect(applyCapturePolicy('redacted', text)).toBe('mail [REDACTED:email]');
    expect(applyCapturePolicy('full', text)).toBe(text);
  });

  it('stores null when there is no text', () => {
    expect(applyCapturePolicy('full', undefined)).toBeNull();
    expect(applyCapturePolicy('redacted', null)).toBeNull();
  });
});
