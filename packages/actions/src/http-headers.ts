/** A header name as HTTP allows it (a token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A header value that cannot split the request: no line breaks, no NUL. */
export const HEADER_VALUE = /^[^\r\n\0]*$/;
