/** The DSM wire format: what publishers encode and subscribers import. Layout: docs/wire-format.md. */
export { WIRE_VERSION, Flags, MessageCode, Offset, type MessageType } from './layout.js';
export { WireMessage, type HeartbeatInfo } from './message.js';
export { WireEncoder, stampPublishTime, type BookHeader, type DeltaSource, type HeartbeatFields, type EncoderOptions } from './encode.js';
export { decodeInto, decode, WIRE_OK, type DecodeResult, type WireError, type WireErrorCode } from './decode.js';
export { NameTable, BookNameTable, type BookName } from './names.js';
export { toJson, toJsonLine, flagNames, type WireJson } from './json.js';
