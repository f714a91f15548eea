import { describe, expect, it } from 'vitest';
import { unsafeRegexReason } from './regex-safety';

describe('unsafeRegexReason', () => {
  it.each(['(a+)+$', '(a*)*b', '^(\\w+\\s?)*$', '((ab)+c)+', '(x+x+)+y', '(?:a{1,2})+', '(a+){10}', '([a-z]+)*', '(a+?)+?'])(
    'refuses nested repetition in /%s/',
    (pattern) => {
      expect(unsafeRegexReason(pattern)).toMatch(/nested repetition/);
    },
  );

  it.each([
    '^(a|a)*$',
    '(a|ab)*',
    '(\\w|\\d)+',
    '(?:x|[a-z])+y',
    '(a|)+',
    '(a?b|a)+',
    '(\\s|\\t){2,}',
    '((?:a|b)|a)*',
    '(A|a)*',
    '(.|\\s)*z',
  ])('refuses overlapping alternatives under a repetition in /%s/', (pattern) => {
    expect(unsafeRegexReason(pattern)).toMatch(/alternatives .* can match the same text/);
  });

  it('bounds its own work: a pattern too complex to check quickly is refused, quickly', () => {
    let nested = 'a|b';
    for (let level = 0; level < 300; level++) nested = `(${nested}){2}|${String.fromCharCode(0x4e00 + level)}`;
    const started = performance.now();
    expect(unsafeRegexReason(`(${nested})`)).toMatch(/can match the same text/);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it.each([
    'a+b*c?',
    '(foo|bar)+',
    '(https?|ftp)://',
    '(a|a)',
    '(\\d|x)*',
    '([0-9]|[a-f])+',
    '(?=a|a)b',
    '(.|\\n)*z',
    '(ab)+',
    '(a|b)*c',
    '^(\\d{1,3}\\.){3}\\d{1,3}$',
    '(a+)?',
    '[(+)]+',
    '\\(a+\\)+',
    '(a)(b+)',
    '^[A-Za-z_][A-Za-z0-9_]*$',
  ])('allows /%s/', (pattern) => {
    expect(unsafeRegexReason(pattern)).toBeNull();
  });
});
