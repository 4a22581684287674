import * as fs from 'node:fs';
import * as path from 'node:path';
import { Controller, Get, Header, Param } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { NoPersonalData } from '@throughcare/platform-audit';
import { PublicRoute, routeNotFound } from '@throughcare/platform-auth';

/**
 * The dashboard's two scripts, served by the orchestrator itself (no CDN; the page's content
 * security policy admits scripts from this origin only): Chart.js (the npm package's UMD build)
 * and the page's own script. Read once, at first request.
 */
const ASSETS: Record<string, () => string> = {
  // The package exports no subpath for its UMD build: it sits beside the CommonJS entry (dist/).
  'chart.umd.min.js': () => path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
  'dashboard.js': () => path.join(__dirname, 'assets', 'dashboard.js'),
};

@ApiExcludeController()
@NoPersonalData('static scripts: the charting library and the dashboard page script; no data')
@Controller('dashboard/assets')
export class DashboardAssetsController {
  private readonly cache = new Map<string, string>();

  @Get(':file')
  @PublicRoute('static scripts with no data (the page that runs them needs a session)')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'no-cache')
  asset(@Param('file') file: string): string {
    const locate = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!locate) throw routeNotFound('GET', `/dashboard/assets/${file}`);
    let body = this.cache.get(file);
    if (body === undefined) {
      body = fs.readFileSync(locate(), 'utf8');
      this.cache.set(file, body);
    }
    return body;
  }
}
