/**
 * `Content-Disposition` for downloads (exports), built safely from any string (RFC 6266): a plain
 * `filename` of letters, digits, `.`, `_` and `-` only, and the full name in `filename*` as
 * percent-encoded UTF-8. A name with quotes, CR/LF or other control characters can neither inject
 * a header nor make Node refuse to write it.
 */
export function attachment(name: string): string {
  // Lone surrogates would make encodeURIComponent throw: replaced like a decoder would.
  const bounded = [...name]
    .slice(0, 200)
    .join('')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  const plain = bounded.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'download';
  const encoded = encodeURIComponent(bounded).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${plain}"; filename*=UTF-8''${encoded}`;
}
