/**
 * What the demo is made of: its names, its containers and its config. Pure data, so a test can check the
 * config against Deckhand's own schema without an engine.
 */
import { stringify } from 'yaml';

export const DEMO = {
  project: 'demo',
  admin: 'demo',
  databaseUrl: 'postgresql://postgres@127.0.0.1:5432/deckhand_demo',
  queuePrefix: 'deckhand-demo',
  /** Every demo container carries this label; `--clean` removes what has it. */
  label: 'deckhand.demo',
  /** Images built locally (no registry) and, with DEMO_REGISTRY, pushed as `<registry>/deckhand-demo/app`. */
  localRepository: 'localhost/deckhand-demo/app',
  registryPath: 'deckhand-demo/app',
  /** The version the containers start with, the one a deploy moves to, and one that never becomes healthy. */
  tags: { current: '1.0', next: '1.1', broken: 'broken' },
} as const;

export interface DemoImages {
  /** The image the demo containers run. */
  running: string;
  /** The repository `deploy` pulls from (`<registry>/deckhand-demo/app`), or undefined without a registry. */
  repository?: string;
}

export function demoImageRef(repository: string, tag: string): string {
  return `${repository}:${tag}`;
}

export interface DemoContainer {
  name: string;
  env: 'staging' | 'prod';
  service: 'api' | 'worker';
  image: string;
  environment: string[];
}

const SERVICES: Array<{ env: DemoContainer['env']; service: DemoContainer['service']; replicas: number }> = [
  { env: 'staging', service: 'api', replicas: 1 },
  { env: 'staging', service: 'worker', replicas: 1 },
  { env: 'prod', service: 'api', replicas: 2 },
  { env: 'prod', service: 'worker', replicas: 1 },
];

/** The containers of the demo project: names and labels are stable, so a second run finds them again. */
export function demoContainers(image: string): DemoContainer[] {
  return SERVICES.flatMap(({ env, service, replicas }) =>
    Array.from({ length: replicas }, (_, i) => ({
      name: `deckhand-demo-${env}-${service}-${i + 1}`,
      env,
      service,
      image,
      environment: [
        `APP_ENV=${env}`,
        `SERVICE=${service}`,
        'LOG_LEVEL=info',
        // Made-up secrets, so `env` and `logs` show the masking.
        `DATABASE_URL=postgres://app:demo-${env}-password@db.internal:5432/${service}`,
        `API_TOKEN=dk_demo_${env}_4f9c2a7e81b3d6f0`,
      ],
    })),
  );
}

export function demoLabels(c: Pick<DemoContainer, 'env' | 'service'>): Record<string, string> {
  return { [DEMO.label]: 'true', [`${DEMO.label}.env`]: c.env, [`${DEMO.label}.service`]: c.service };
}

/**
 * Image build files. The app serves HTTP on 8080 (busybox httpd) and logs a line every few seconds; the
 * healthcheck asks it. `broken` has the same healthcheck but no server, so a deploy of it rolls back.
 */
export function demoContainerfile(base: string, tag: string): string {
  const server = tag === DEMO.tags.broken ? 'sleep 3600' : 'httpd -f -p 8080 -h /www';
  const loop = `while true; do echo "$(busybox date -u +%FT%TZ) $SERVICE handled request in $((RANDOM % 90 + 10))ms"; sleep 5; done`;
  const script = `trap 'exit 0' TERM; echo "$SERVICE ${tag} starting (env $APP_ENV)"; ${server} & ${loop} & wait`;
  return [
    `FROM ${base}`,
    `RUN busybox mkdir -p /www && echo ${tag} > /www/index.html`,
    `LABEL org.opencontainers.image.version=${tag} org.opencontainers.image.title=deckhand-demo`,
    'EXPOSE 8080',
    'HEALTHCHECK --interval=5s --timeout=2s --retries=2 CMD wget -q -O- http://127.0.0.1:8080/ || exit 1',
    `CMD ${JSON.stringify(['sh', '-c', script])}`,
  ].join('\n');
}

/** The demo's deckhand.yaml: one host, the demo project, the admin and a second person, a rotation. */
export function demoConfigYaml(opts: { engineUrl: string; imageRepository?: string }): string {
  const service = (env: string, name: string) => ({
    host: 'local',
    labels: { [`${DEMO.label}.env`]: env, [`${DEMO.label}.service`]: name },
    ...(opts.imageRepository ? { image: opts.imageRepository } : {}),
  });
  const config = {
    hosts: { local: { url: opts.engineUrl } },
    projects: {
      [DEMO.project]: {
        description: 'Demo project started by npm run demo',
        environments: {
          staging: { services: { api: service('staging', 'api'), worker: service('staging', 'worker') } },
          prod: { production: true, services: { api: service('prod', 'api'), worker: service('prod', 'worker') } },
        },
      },
    },
    people: [
      { id: DEMO.admin, name: 'Demo Admin', roles: [{ role: 'admin', project: DEMO.project }] },
      { id: 'dana', name: 'Dana Operator', roles: [{ role: 'operator', project: DEMO.project }] },
    ],
    rotations: [
      { project: DEMO.project, timezone: 'UTC', handoff: '09:00', period: 'weekly', handoffDay: 'monday', start: '2026-01-05', members: [DEMO.admin, 'dana'] },
    ],
  };
  return `# Written by \`npm run demo\`; rewritten on every run. \`npm run demo -- --clean\` removes it.\n${stringify(config)}`;
}
