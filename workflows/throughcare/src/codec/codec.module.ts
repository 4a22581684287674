import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import type { AesGcmPayloadCodec } from '@throughcare/platform-temporal';
import { CodecController, PAYLOAD_CODEC } from './codec.controller';
import { CODEC_OPTIONS, CodecHttpMiddleware, type CodecOptions } from './codec-cors';

/**
 * The codec endpoint for the Temporal UI and CLI (`/codec/decode`, `/codec/encode`), with the same
 * codec as the orchestrator's client and worker, CORS for the UI's origin and a body limit.
 */
@Module({})
export class CodecModule implements NestModule {
  static register(options: CodecOptions & { codec: AesGcmPayloadCodec }): DynamicModule {
    const { codec, ...codecOptions } = options;
    return {
      module: CodecModule,
      controllers: [CodecController],
      providers: [
        { provide: PAYLOAD_CODEC, useValue: codec },
        { provide: CODEC_OPTIONS, useValue: codecOptions satisfies CodecOptions },
        CodecHttpMiddleware,
      ],
    };
  }

  /** Before the guard: CORS headers for the UI's origin, and the body limit (CodecHttpMiddleware). */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CodecHttpMiddleware).forRoutes(CodecController);
  }
}
