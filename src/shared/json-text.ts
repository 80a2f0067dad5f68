/**
 * An answer that is already JSON text. A service returns one when it had the database write
 * most of the JSON (a statement's thousands of lines); the route sends the text as it is
 * instead of serializing an object.
 */
export class JsonText {
  constructor(readonly text: string) {}
}
