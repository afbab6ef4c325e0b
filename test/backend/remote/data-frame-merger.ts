// Tests for src/backend/remote/data-frame-merger.ts: merged output means what the input meant, frame for frame, within the peer's largest frame.
import t from "tap";
import { DataFrameMerger } from "../../../src/backend/remote/data-frame-merger.js";
import { cutIntoParts, Rng } from "../../helpers/fuzz-inputs.js";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const DATA = 0x0;
const HEADERS = 0x1;
const SETTINGS = 0x4;
const WINDOW_UPDATE = 0x8;
const END_STREAM = 0x1;
const PADDED = 0x8;

interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

function encode(frame: Frame): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(frame.payload.length, 0, 3);
  header[3] = frame.type;
  header[4] = frame.flags;
  header.writeUInt32BE(frame.streamId, 5);
  return Buffer.concat([header, frame.payload]);
}

function decode(bytes: Buffer): Frame[] {
  const frames: Frame[] = [];
  for (let offset = 0; offset < bytes.length; ) {
    const length = bytes.readUIntBE(offset, 3);
    frames.push({ type: bytes[offset + 3]!, flags: bytes[offset + 4]!, streamId: bytes.readUInt32BE(offset + 5), payload: bytes.subarray(offset + 9, offset + 9 + length) });
    offset += 9 + length;
  }
  return frames;
}

function settingsFrame(maxFrameSize: number, flags = 0): Buffer {
  const payload = Buffer.alloc(12);
  payload.writeUInt16BE(0x4, 0); // SETTINGS_INITIAL_WINDOW_SIZE, which must not be taken for the frame size
  payload.writeUInt32BE(1 << 20, 2);
  payload.writeUInt16BE(0x5, 6);
  payload.writeUInt32BE(maxFrameSize, 8);
  return encode({ type: SETTINGS, flags, streamId: 0, payload });
}

/** What a connection's frames mean: per stream, its DATA bytes with where END_STREAM fell, and every other frame in order. */
function meaning(frames: readonly Frame[]) {
  const data = new Map<number, Buffer[]>();
  const ends: number[] = [];
  const others: string[] = [];
  for (const frame of frames) {
    if (frame.type === DATA && (frame.flags & PADDED) === 0) {
      data.set(frame.streamId, [...(data.get(frame.streamId) ?? []), frame.payload]);
      if (frame.flags & END_STREAM) ends.push(frame.streamId);
    } else {
      others.push(`${frame.type}/${frame.flags}/${frame.streamId}/${frame.payload.toString("hex")}`);
    }
  }
  return { data: [...data].map(([id, parts]) => `${id}:${Buffer.concat(parts).toString("hex")}`).sort(), ends, others };
}

/** A client's frames as Node writes them: HEADERS, DATA of at most 16 KiB, some padded, other frames between. */
function randomFrames(rng: Rng): Frame[] {
  const frames: Frame[] = [];
  const open = [1, 3, 5];
  for (const streamId of open) frames.push({ type: HEADERS, flags: 0x4, streamId, payload: rng.bytes(rng.int(40)) });
  const count = 20 + rng.int(200);
  let streamId = 1;
  for (let n = 0; n < count; n++) {
    if (rng.chance(0.1)) streamId = rng.pick(open);
    const roll = rng.next();
    if (roll < 0.75) {
      const length = rng.chance(0.6) ? 16_384 : rng.int(16_385);
      frames.push({ type: DATA, flags: 0, streamId, payload: rng.bytes(length) });
    } else if (roll < 0.8) {
      const payload = Buffer.concat([Buffer.from([3]), rng.bytes(50), Buffer.alloc(3)]);
      frames.push({ type: DATA, flags: PADDED, streamId, payload });
    } else {
      frames.push({ type: WINDOW_UPDATE, flags: 0, streamId: rng.pick([0, streamId]), payload: Buffer.from([0, 1, 0, 0]) });
    }
  }
  for (const streamId of open) frames.push({ type: DATA, flags: END_STREAM, streamId, payload: rng.bytes(rng.int(100)) });
  return frames;
}

/** The parts a session hands its socket: each frame's header, then its payload in one or two pieces. */
function sessionParts(frames: readonly Frame[], rng: Rng): Buffer[] {
  const parts: Buffer[] = [PREFACE];
  for (const frame of frames) {
    const whole = encode(frame);
    const cut = 9 + (rng.chance(0.3) ? rng.int(frame.payload.length + 1) : frame.payload.length);
    parts.push(...[whole.subarray(0, 9), whole.subarray(9, cut), whole.subarray(cut)].filter((part) => part.length > 0));
  }
  return parts;
}

/** Writes `parts` through `merger` in writes of a few parts each, as a corked session does, and returns the bytes that went out. */
function writeThrough(merger: DataFrameMerger, parts: Buffer[], rng: Rng): Buffer {
  const out: Buffer[] = [];
  for (let index = 0; index < parts.length; ) {
    const count = 1 + rng.int(rng.chance(0.5) ? 3 : 60);
    out.push(...merger.rewrite(parts.slice(index, index + count)));
    index += count;
  }
  return Buffer.concat(out);
}

t.test("merged or not, every stream's data, END_STREAM and every other frame come out as they went in", async (t) => {
  const rng = new Rng(20261201);
  let framesIn = 0;
  let framesOut = 0;
  for (let n = 0; n < 120; n++) {
    const maxFrameSize = rng.pick([16_384, 16_385, 65_536, 1 << 20, 0xff_ffff]);
    const merger = new DataFrameMerger();
    merger.observeIncoming(settingsFrame(maxFrameSize));
    const frames = randomFrames(rng);
    // Half the connections are cut anywhere, frames split across writes; half as a session writes them.
    const anywhere = n % 2 === 0;
    const parts = anywhere ? cutIntoParts(Buffer.concat([PREFACE, ...frames.map(encode)]), rng) : sessionParts(frames, rng);
    const output = writeThrough(merger, parts, rng);
    t.ok(output.subarray(0, PREFACE.length).equals(PREFACE), "the preface goes first, untouched");
    const outFrames = decode(output.subarray(PREFACE.length));
    t.same(meaning(outFrames), meaning(frames), `connection ${n}: the same meaning`);
    const largest = Math.max(...outFrames.map((frame) => frame.payload.length));
    if (largest > maxFrameSize) t.fail(`connection ${n}: a ${largest}-byte frame, over the peer's ${maxFrameSize}`);
    if (!anywhere && maxFrameSize >= 65_536) {
      framesIn += frames.length;
      framesOut += outFrames.length;
    }
  }
  t.ok(framesOut < framesIn * 0.7, `written as a session writes, runs were merged: ${framesIn} frames in, ${framesOut} out`);
});

t.test("frames are never merged past what the peer takes, nor before its SETTINGS arrive", async (t) => {
  const rng = new Rng(7);
  const frames = Array.from({ length: 8 }, () => ({ type: DATA, flags: 0, streamId: 1, payload: rng.bytes(16_384) }));
  const input = [PREFACE, ...frames.map(encode)];

  const before = new DataFrameMerger();
  t.equal(before.maxFrameSize, 16_384);
  t.same(decode(Buffer.concat(before.rewrite(input)).subarray(PREFACE.length)).length, 8, "16 KiB until the peer says more");

  const after = new DataFrameMerger();
  after.observeIncoming(settingsFrame(65_536));
  const merged = decode(Buffer.concat(after.rewrite(input)).subarray(PREFACE.length));
  t.same(merged.map((frame) => frame.payload.length), [65_536, 65_536], "four frames to each 64 KiB frame");
  t.ok(Buffer.concat(merged.map((frame) => frame.payload)).equals(Buffer.concat(frames.map((frame) => frame.payload))));
});

t.test("the peer's SETTINGS are read wherever the connection cuts them, and only SETTINGS_MAX_FRAME_SIZE counts", async (t) => {
  const rng = new Rng(11);
  for (let n = 0; n < 50; n++) {
    const merger = new DataFrameMerger();
    const incoming = Buffer.concat([
      settingsFrame(1 << 20),
      encode({ type: DATA, flags: 0, streamId: 1, payload: rng.bytes(rng.int(40_000)) }),
      settingsFrame(32_768, 0x1), // an ACK carries no settings
      encode({ type: WINDOW_UPDATE, flags: 0, streamId: 0, payload: Buffer.from([0, 0, 1, 0]) }),
      settingsFrame(65_536),
    ]);
    for (const part of cutIntoParts(incoming, rng)) merger.observeIncoming(part);
    t.equal(merger.maxFrameSize, 65_536, `connection ${n}`);
  }
  const merger = new DataFrameMerger();
  merger.observeIncoming(settingsFrame(1 << 20));
  merger.observeIncoming(settingsFrame(100));
  t.equal(merger.maxFrameSize, 1 << 20, "a value below 16 KiB (the peer's protocol error) is not taken");
});
