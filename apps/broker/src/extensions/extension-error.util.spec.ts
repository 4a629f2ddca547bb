import { describe, expect, it } from '@jest/globals';
import { escapeClientText } from './extension-error.util.js';

describe('escapeClientText', () => {
  it('escapes line breaks, ANSI escapes and C1 controls', () => {
    expect(escapeClientText('a\nb\r\t\x1b[31m\u0085\u2028\u2029')).toBe('a\\nb\\r\\t\\x1b[31m\\x85\\u2028\\u2029');
  });

  it('escapes bidirectional overrides and isolates, which reorder what a reader sees', () => {
    const bidi = '\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069';
    expect(escapeClientText(`x${bidi}y`)).toBe('x\\u061c\\u200e\\u200f\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069y');
  });

  it('escapes zero-width and invisible characters and the byte order mark', () => {
    expect(escapeClientText('a\u200b\u200c\u200d\u2060\u2064\ufeffb')).toBe('a\\u200b\\u200c\\u200d\\u2060\\u2064\\ufeffb');
  });

  it('escapes lone surrogates and keeps surrogate pairs', () => {
    expect(escapeClientText('\ud800 \udc00 \ud83d\ude00 x\ud83d')).toBe('\\ud800 \\udc00 \ud83d\ude00 x\\ud83d');
  });

  it('leaves ordinary text, accents and other scripts alone', () => {
    expect(escapeClientText('sensor/Zürich/温度/مرحبا')).toBe('sensor/Zürich/温度/مرحبا');
  });

  it('cuts long text at 500 characters and says how long it was', () => {
    expect(escapeClientText('x'.repeat(600))).toBe(`${'x'.repeat(500)}… (600 characters)`);
  });

  it('never cuts a surrogate pair in half', () => {
    const text = `${'x'.repeat(499)}${'\ud83d\ude00'.repeat(10)}`;
    const escaped = escapeClientText(text);
    expect(escaped).toBe(`${'x'.repeat(499)}… (519 characters)`);
    expect(escaped).not.toMatch(/\\ud83d/);
    expect(escapeClientText(`${'x'.repeat(498)}${'\ud83d\ude00'.repeat(10)}`)).toBe(`${'x'.repeat(498)}\ud83d\ude00… (518 characters)`);
  });
});
