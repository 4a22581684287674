import { Controller, Get, Module, Post, type Type } from '@nestjs/common';
import { DiscoveryModule, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuditedRouteCheck, UnauditedRouteError, UndeclaredPersonalDataError } from './audited-route-check';
import { Audited, from, NoPersonalData, NotAudited, PersonalData } from './audited.decorator';

// The startup check on a real Nest application (Fastify adapter, app.init(): the lifecycle a
// service goes through before it listens), with no database: the check reads only metadata.

@PersonalData()
@Controller('cases')
class CasesWithAGap {
  @Audited({ action: 'case.read', kind: 'read', objectType: 'case', subject: from.param('id') })
  @Get(':id')
  read(): string {
    return 'read';
  }

  @NotAudited('a count: no person is named')
  @Get('count')
  count(): number {
    return 0;
  }

  // The gap: a route of a personal-data controller that declares nothing.
  @Post(':id/notes')
  addNote(): string {
    return 'noted';
  }

  /** Not a route (no HTTP method): never required to declare anything. */
  helper(): string {
    return 'helper';
  }
}

@PersonalData()
@Controller('cases-complete')
class CasesComplete {
  @Audited({ action: 'case.read', kind: 'read' })
  @Get(':id')
  read(): string {
    return 'read';
  }

  @NotAudited('a count: no person is named')
  @Get('count')
  count(): number {
    return 0;
  }
}

/** Declared free of personal data: its routes need no audit declaration. */
@NoPersonalData('organisations and duty contacts, never a person')
@Controller('agencies')
class Agencies {
  @Get()
  list(): string[] {
    return [];
  }
}

/** Declares nothing at all: deny by default refuses it, whatever its routes do. */
@Controller('forgotten')
class Forgotten {
  @Get()
  read(): string {
    return 'who knows';
  }
}

/** A second undeclared controller, with no routes: still named. */
@Controller('also-forgotten')
class AlsoForgotten {}

/** Both declarations: a contradiction, refused. */
@PersonalData()
@NoPersonalData('says it has none')
@Controller('confused')
class Confused {
  @Audited({ action: 'confused.read', kind: 'read' })
  @Get()
  read(): string {
    return 'read';
  }
}

function moduleOf(...controllers: Type[]): Type {
  @Module({ imports: [DiscoveryModule], controllers, providers: [AuditedRouteCheck] })
  class SpecModule {}
  return SpecModule;
}

async function startApp(module: Type): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), {
    logger: false,
    abortOnError: false,
  });
  try {
    await app.init();
  } catch (e) {
    await app.close().catch(() => undefined);
    throw e;
  }
  return app;
}

describe('AuditedRouteCheck (startup)', () => {
  it('refuses to start an app whose @PersonalData controller has a route with neither @Audited nor @NotAudited, naming that route', async () => {
    const failure = await startApp(moduleOf(CasesWithAGap, Agencies)).then(
      () => new Error('the app started'),
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(UnauditedRouteError);
    expect((failure as UnauditedRouteError).routes).toEqual(['CasesWithAGap.addNote']);
    expect((failure as Error).message).toBe(
      'audit: 1 route(s) of personal-data controllers declare no audit ' +
        '(@Audited(...) or @NotAudited(reason)): CasesWithAGap.addNote',
    );
  });

  it('refuses to start an app with a controller that declares neither @PersonalData() nor @NoPersonalData(reason), naming each one', async () => {
    const failure = await startApp(moduleOf(CasesComplete, Forgotten, Agencies, AlsoForgotten)).then(
      () => new Error('the app started'),
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(UndeclaredPersonalDataError);
    expect((failure as UndeclaredPersonalDataError).undeclared).toEqual(['Forgotten', 'AlsoForgotten']);
    expect((failure as Error).message).toBe(
      'audit: 2 controller(s) declare neither @PersonalData() nor @NoPersonalData(reason): Forgotten, AlsoForgotten',
    );
  });

  it('refuses to start an app with a controller that declares both', async () => {
    const failure = await startApp(moduleOf(Confused, Agencies)).then(
      () => new Error('the app started'),
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(UndeclaredPersonalDataError);
    expect((failure as UndeclaredPersonalDataError).undeclared).toEqual([]);
    expect((failure as UndeclaredPersonalDataError).contradictory).toEqual(['Confused']);
  });

  it('starts an app whose controllers each declare themselves and whose personal-data routes each declare their audit', async () => {
    const app = await startApp(moduleOf(CasesComplete, Agencies));
    try {
      const check = app.get(AuditedRouteCheck);
      expect(check).toBeInstanceOf(AuditedRouteCheck);
      // The app is up: its routes answer (injected request, no port).
      const answer = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/agencies' });
      expect(answer.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('refuses a @NotAudited or a @NoPersonalData without a reason', () => {
    expect(() => NotAudited('  ')).toThrow('NotAudited needs a reason');
    expect(() => NoPersonalData(' ')).toThrow('NoPersonalData needs a reason');
  });
});
