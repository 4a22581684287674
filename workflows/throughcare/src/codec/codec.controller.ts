import {
  applyDecorators,
  Body,
  Controller,
  ForbiddenException,
  Headers,
  HttpCode,
  Inject,
  Options,
  Post,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExcludeEndpoint,
  ApiHeader,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Payload } from '@temporalio/common';
import type { FastifyReply } from 'fastify';
import { Audited, NotAudited, PersonalData, type AuditResolver } from '@throughcare/platform-audit';
import { Access, PublicRoute } from '@throughcare/platform-auth';
import { DomainError, ValidationFailedError } from '@throughcare/platform-errors';
import { openApiSchemaOf, ZodValidationPipe } from '@throughcare/platform-http';
import { PayloadDecryptionError, type AesGcmPayloadCodec } from '@throughcare/platform-temporal';
import { CodecBodySchema, type CodecBody, type JsonPayload } from './codec.schemas';
import { CODEC_OPTIONS, corsPreflightHeaders, type CodecOptions } from './codec-cors';

/** The codec this orchestrator's clients and worker use (same keys). */
export const PAYLOAD_CODEC = Symbol('PAYLOAD_CODEC');

const fromJson = ({ metadata, data }: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
  ),
  data: new Uint8Array(Buffer.from(data ?? '', 'base64')),
});

const toJson = ({ metadata, data }: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(metadata ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v ?? new Uint8Array()).toString('base64'),
    ]),
  ),
  data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
});

/**
 * What a codec request is audited as: the namespace it named (X-Namespace, else `default`: the
 * header is optional and the codec serves one namespace) and how many payloads it carried, e.g.
 * `namespace=default;payloads=3`. The payloads are opaque to the orchestrator (it cannot tell
 * whose data they hold), so the record names no subject: the actor, the time and this say who
 * decrypted how much of which namespace.
 */
const codecRequest: AuditResolver<string> = ({ headers, body }) => {
  const raw = headers['x-namespace'];
  const namespace = (Array.isArray(raw) ? raw[0] : raw) ?? '(none given)';
  const payloads = (body as { payloads?: unknown } | undefined)?.payloads;
  return `namespace=${namespace};payloads=${Array.isArray(payloads) ? payloads.length : '?'}`;
};

/**
 * What both codec operations share: POST /codec/<operation>, 200, operators only, audited as
 * `temporal-payload.<operation>` (see codecRequest), and the same documented body, header and
 * answers.
 */
function CodecOperation(operation: 'decode' | 'encode', summary: string, answer: string): MethodDecorator {
  return applyDecorators(
    Audited({
      action: `temporal-payload.${operation}`,
      kind: 'read',
      objectType: 'temporal-payload',
      objectId: codecRequest,
    }),
    Post(operation),
    HttpCode(200),
    Access('operator'),
    ApiBearerAuth(),
    ApiHeader({
      name: 'x-namespace',
      required: false,
      description: "The payloads' namespace (this orchestrator's only)",
    }),
    ApiOperation({ summary }),
    ApiResponse({ status: 200, schema: openApiSchemaOf(CodecBodySchema) as never, description: answer }),
    ApiResponse({
      status: 400,
      description: 'Not `{ payloads: [...] }` of base64 (problem+json naming each field)',
    }),
    ApiResponse({
      status: 401,
      description: 'No valid access token (problem+json; WWW-Authenticate: Bearer)',
    }),
    ApiResponse({ status: 413, description: 'Body larger than the codec limit' }),
  );
}

/**
 * Temporal's remote codec protocol for the Temporal UI and CLI (`--codec-endpoint …/codec`):
 * decrypts and encrypts payloads with the platform's keys, for an operator only. CORS answers the
 * configured Temporal UI origin (TEMPORAL_UI_ORIGIN) and nobody else. Decrypted payloads are
 * personal data (receptions carry prison numbers; notices carry free text): every decode and
 * encode is audited as `temporal-payload.decode` / `.encode`, with the namespace and payload count.
 */
@ApiTags('codec')
@PersonalData()
@Controller('codec')
export class CodecController {
  constructor(
    @Inject(PAYLOAD_CODEC) private readonly codec: AesGcmPayloadCodec,
    @Inject(CODEC_OPTIONS) private readonly options: CodecOptions,
  ) {}

  @CodecOperation(
    'decode',
    "Decrypts payloads of the journeys' histories (Temporal remote codec protocol)",
    'The payloads, decrypted',
  )
  @ApiResponse({ status: 422, description: 'A payload could not be decrypted (names its index and key id)' })
  decode(
    @Body(new ZodValidationPipe(CodecBodySchema, 'body')) body: CodecBody,
    @Headers('x-namespace') namespace?: string,
  ): CodecBody {
    this.checkNamespace(namespace);
    return {
      payloads: body.payloads.map((p, i) => {
        try {
          return toJson(this.codec.decodeOne(fromJson(p), 'accept'));
        } catch (e) {
          if (e instanceof PayloadDecryptionError) {
            throw new DomainError(
              'PAYLOAD_NOT_DECRYPTABLE',
              'RULE_VIOLATED',
              `payloads[${i}]: ${e.message}`,
              {
                details: { index: i, keyId: e.keyId, reason: e.reason },
              },
            );
          }
          throw e;
        }
      }),
    };
  }

  @CodecOperation(
    'encode',
    'Encrypts payloads with the active key (Temporal remote codec protocol)',
    'The payloads, encrypted',
  )
  encode(
    @Body(new ZodValidationPipe(CodecBodySchema, 'body')) body: CodecBody,
    @Headers('x-namespace') namespace?: string,
  ): CodecBody {
    this.checkNamespace(namespace);
    return { payloads: body.payloads.map((p) => toJson(this.codec.encodeOne(fromJson(p)))) };
  }

  /**
   * CORS preflight of the Temporal UI. A browser sends it without credentials, so it is public:
   * it answers the configured UI origin's POST with the headers the UI sends, and refuses (403,
   * no CORS headers) any other origin, method or header. It discloses nothing.
   */
  @NotAudited('CORS preflight: carries no payload and answers only headers')
  @Options(['decode', 'encode'])
  @HttpCode(204)
  @PublicRoute(
    'CORS preflight: browsers send it without a token; it admits only the Temporal UI origin and returns no data',
  )
  @ApiExcludeEndpoint()
  preflight(
    @Headers('origin') origin: string | undefined,
    @Headers('access-control-request-method') method: string | undefined,
    @Headers('access-control-request-headers') requested: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): void {
    const headers = corsPreflightHeaders(this.options.uiOrigin, { origin, method, requested });
    if (!headers) throw new ForbiddenException('cross-origin requests are allowed from the Temporal UI only');
    void reply.headers(headers);
  }

  private checkNamespace(namespace: string | undefined): void {
    if (namespace !== undefined && namespace !== this.options.namespace)
      throw new ValidationFailedError('this codec serves one namespace', [
        { field: 'header.x-namespace', message: `must be ${this.options.namespace}` },
      ]);
  }
}
