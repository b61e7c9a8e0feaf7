import { describe, expect, it } from 'vitest';
import { decodeUtf8, toBytes } from './bytes.js';
import { bodyBytes, vector } from './fixtures/vectors.js';
import { getHeader, getSingleHeader } from './headers.js';
import { checkRequestHeaders, isJsonContentType } from './request-checks.js';

describe('isJsonContentType', () => {
  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['APPLICATION/JSON;charset=UTF-8', true],
    [' application/json ', true],
    ['application/cloudevents+json', true],
    ['application/problem+json; charset=utf-8', true],
    ['text/json', false],
    ['text/plain', false],
    ['application/jsonp', false],
    ['application/x-www-form-urlencoded', false],
    ['', false],
  ])('%j -> %s', (value, expected) => {
    expect(isJsonContentType(value)).toBe(expected);
  });
});

describe('checkRequestHeaders', () => {
  it('passes a plain JSON POST and requests without a method', () => {
    expect(checkRequestHeaders('POST', { 'content-type': 'application/json' }, 10)).toBeUndefined();
    expect(checkRequestHeaders(undefined, {}, 10)).toBeUndefined();
  });

  it('ignores a Content-Length that is not a number', () => {
    expect(checkRequestHeaders('POST', { 'content-length': 'abc' }, 10)).toBeUndefined();
  });

  it('accepts an empty or identity Content-Encoding, refuses the rest', () => {
    expect(checkRequestHeaders('POST', { 'content-encoding': 'identity' }, 10)).toBeUndefined();
    expect(checkRequestHeaders('POST', { 'content-encoding': '' }, 10)).toBeUndefined();
    expect(checkRequestHeaders('POST', { 'content-encoding': 'gzip' }, 10)?.status).toBe(415);
    expect(checkRequestHeaders('POST', { 'content-encoding': 'identity, gzip' }, 10)?.status).toBe(415);
  });

  it('refuses a repeated Content-Type', () => {
    expect(checkRequestHeaders('POST', { 'content-type': ['application/json', 'text/plain'] }, 10)?.status).toBe(415);
  });
});

describe('headers', () => {
  it('reads from Headers, Node records and hand-written records', () => {
    expect(getHeader(new Headers({ 'X-A': '1' }), 'x-a')).toBe('1');
    expect(getHeader({ 'x-a': ['1', '2'] }, 'x-a')).toEqual(['1', '2']);
    expect(getHeader({ 'X-A': '1' }, 'x-a')).toBe('1');
    expect(getHeader({ 'content-length': 12 }, 'content-length')).toBe('12');
    expect(getHeader({}, 'x-a')).toBeUndefined();
    expect(getSingleHeader({ 'x-a': ['1', '2'] }, 'x-a')).toBe('1, 2');
  });
});

describe('bytes', () => {
  it('toBytes keeps bytes as they are and encodes strings as UTF-8', () => {
    const buffer = Buffer.from('abc');
    expect(toBytes(buffer)).toBe(buffer);
    expect([...toBytes('é')]).toEqual([0xc3, 0xa9]);
    expect([...toBytes(new Uint8Array([1, 2]).buffer)]).toEqual([1, 2]);
    expect(() => toBytes(42 as never)).toThrow(/got number/);
    expect(() => toBytes({} as never)).toThrow(/got Object/);
    expect(() => toBytes(null as never)).toThrow(/got null/);
  });

  it('decodeUtf8 strips one BOM, decodes multibyte text, and throws on invalid UTF-8', () => {
    expect(decodeUtf8(bodyBytes(vector('bom'))).startsWith('{"event"')).toBe(true);
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x31])).charCodeAt(0)).toBe(0xfeff);
    expect(decodeUtf8(bodyBytes(vector('emoji')))).toContain('café 🚀 日本語');
    expect(() => decodeUtf8(bodyBytes(vector('non-utf8')))).toThrow(TypeError);
  });
});
