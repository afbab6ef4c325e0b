// A unary gRPC call to the upstream on a raw HTTP/2 stream: one request encoded, one answer decoded, no client framework between.
import { constants as http2 } from "node:http2";
import { create, fromBinary, toBinary, type DescMessage, type DescMethodUnary, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { grpcFrame } from "../../server/grpc-frames.js";
import { piecesOf, type BlobChunk } from "../blob-chunk.js";
import { answerMessages, decodeAnswer, statusOf, throwUnlessOk, type OpenUpstreamCall, type UpstreamCallScope, type UpstreamStatus } from "./upstream-call.js";

/**
 * Calls `method` on the upstream with `request` and resolves with its answer. The upstream's
 * status is thrown as a ConnectError when it is not OK; a connection that breaks is UNAVAILABLE
 * (see upstream-call.ts), the code a caller may retry on.
 */
export async function callUpstream<I extends DescMessage, O extends DescMessage>(
  open: OpenUpstreamCall,
  method: DescMethodUnary<I, O>,
  request: MessageInitShape<I>,
  scope: UpstreamCallScope,
): Promise<MessageShape<O>> {
  return callUpstreamFramed(open, method, grpcFrame(toBinary(method.input, create(method.input, request))), scope);
}

/**
 * {@link callUpstream}, resolving with `undefined` where the upstream answers NOT_FOUND: a lookup
 * that misses (GetActionResult), told without building an error for it.
 */
export async function callUpstreamUnlessNotFound<I extends DescMessage, O extends DescMessage>(
  open: OpenUpstreamCall,
  method: DescMethodUnary<I, O>,
  request: MessageInitShape<I>,
  scope: UpstreamCallScope,
): Promise<MessageShape<O> | undefined> {
  const { answer, status } = await exchange(open, method, grpcFrame(toBinary(method.input, create(method.input, request))), scope);
  return status.code === Code.NotFound ? undefined : answerOf(method, answer, status);
}

/**
 * {@link callUpstream} with the request already encoded and framed, whole or in pieces to be sent
 * in order (see batch-update-request.ts).
 */
export async function callUpstreamFramed<I extends DescMessage, O extends DescMessage>(
  open: OpenUpstreamCall,
  method: DescMethodUnary<I, O>,
  framedRequest: BlobChunk,
  scope: UpstreamCallScope,
): Promise<MessageShape<O>> {
  const { answer, status } = await exchange(open, method, framedRequest, scope);
  return answerOf(method, answer, status);
}

/** One call: the request sent, the answer's one message (if any) decoded, and the status it ended with. */
async function exchange<I extends DescMessage, O extends DescMessage>(
  open: OpenUpstreamCall,
  method: DescMethodUnary<I, O>,
  framedRequest: BlobChunk,
  scope: UpstreamCallScope,
): Promise<{ answer: MessageShape<O> | undefined; status: UpstreamStatus }> {
  const { signal } = scope;
  const stream = await open(`/${method.parent.typeName}/${method.name}`, scope);
  const status = statusOf(stream, signal);
  try {
    // Corked, the pieces go to HTTP/2 as one gathered write rather than one write each.
    stream.cork();
    for (const piece of piecesOf(framedRequest)) stream.write(piece);
    stream.end();
    stream.uncork();
    let answer: MessageShape<O> | undefined;
    for await (const message of answerMessages(stream, signal)) {
      if (answer !== undefined) throw new ConnectError(`the upstream answered ${method.name} with more than one message`, Code.Internal);
      answer = decodeAnswer(() => fromBinary(method.output, message));
    }
    return { answer, status: await status };
  } finally {
    if (!stream.closed) stream.close(http2.NGHTTP2_CANCEL);
  }
}

/** The answer of a call that ended OK; the upstream's status thrown otherwise, and INTERNAL for an OK without a message. */
function answerOf<O extends DescMessage>(method: DescMethodUnary<DescMessage, O>, answer: MessageShape<O> | undefined, status: UpstreamStatus): MessageShape<O> {
  throwUnlessOk(status);
  if (answer === undefined) throw new ConnectError(`the upstream answered ${method.name} without a message`, Code.Internal);
  return answer;
}
