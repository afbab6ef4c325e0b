// A unary gRPC call to the upstream on a raw HTTP/2 stream: one request encoded, one answer decoded, no client framework between.
import { constants as http2 } from "node:http2";
import { create, fromBinary, toBinary, type DescMessage, type DescMethodUnary, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { grpcFrame } from "../../server/grpc-frames.js";
import { piecesOf, type BlobChunk } from "../blob-chunk.js";
import { answerMessages, decodeAnswer, statusOf, throwUnlessOk, type OpenUpstreamCall, type UpstreamCallScope } from "./upstream-call.js";

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
 * {@link callUpstream} with the request already encoded and framed, whole or in pieces to be sent
 * in order (see batch-update-request.ts).
 */
export async function callUpstreamFramed<I extends DescMessage, O extends DescMessage>(
  open: OpenUpstreamCall,
  method: DescMethodUnary<I, O>,
  framedRequest: BlobChunk,
  scope: UpstreamCallScope,
): Promise<MessageShape<O>> {
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
    throwUnlessOk(await status);
    if (answer === undefined) throw new ConnectError(`the upstream answered ${method.name} without a message`, Code.Internal);
    return answer;
  } finally {
    if (!stream.closed) stream.close(http2.NGHTTP2_CANCEL);
  }
}
