/** JSON media types: `application/json` and `application/*+json`, any parameters. */
export function isJsonMediaType(contentType: string | null | undefined): boolean {
  const mediaType = (contentType ?? '').split(';', 1)[0].trim().toLowerCase();
  return mediaType === 'application/json' || (mediaType.startsWith('application/') && mediaType.endsWith('+json'));
}
