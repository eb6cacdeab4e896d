/** Loads the Helm chart and the plain manifests for the deploy tests. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { ChartRenderer, mergeValues, type ChartContext } from './helm-template.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const chartDir = path.join(repoRoot, 'deploy/helm/deckhand');
export const manifestsDir = path.join(repoRoot, 'deploy/kubernetes');

/** The release the plain manifests are rendered for: `helm template deckhand … --namespace deckhand`. */
export const RELEASE = { Name: 'deckhand', Namespace: 'deckhand', Service: 'Helm' } as const;

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } } & Record<string, unknown>;

/** Every YAML document of a text, empty ones (e.g. before a leading `---`) left out; a YAML error throws. */
export function parseDocuments(text: string, file: string): K8sObject[] {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const objects: K8sObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${file}: a document is not an object`);
    objects.push(value as K8sObject);
  }
  return objects;
}

export function chartYaml(): Record<string, unknown> {
  return parse(readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
}

export function defaultValues(): Record<string, unknown> {
  return parse(readFileSync(path.join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
}

/** The template files that make objects (not helpers), by name. */
export function templateFiles(): string[] {
  return readdirSync(path.join(chartDir, 'templates'))
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}

/** Renders a template file of the chart to text, with its default values merged with overrides as `--set` would. */
function renderText(file: string, overrides: Record<string, unknown>): string {
  const templates = path.join(chartDir, 'templates');
  const helpers = readdirSync(templates)
    .filter((f) => f.startsWith('_') && f.endsWith('.tpl'))
    .map((f) => ({ file: f, source: readFileSync(path.join(templates, f), 'utf8') }));
  const chart = chartYaml();
  const context: ChartContext = {
    Values: mergeValues(defaultValues(), overrides),
    Release: { ...RELEASE },
    Chart: { Name: chart['name'], Version: chart['version'], AppVersion: chart['appVersion'], Description: chart['description'], Type: chart['type'], KubeVersion: chart['kubeVersion'] },
  };
  return new ChartRenderer(helpers).render(file, readFileSync(path.join(templates, file), 'utf8'), context);
}

/** The objects one template of the chart renders. */
export function renderTemplate(file: string, overrides: Record<string, unknown> = {}): K8sObject[] {
  return parseDocuments(renderText(file, overrides), `templates/${file} (rendered)`);
}

/** What helm prints after an install (templates/NOTES.txt). */
export const renderNotes = (overrides: Record<string, unknown> = {}): string => renderText('NOTES.txt', overrides);

/** Every .yaml file under deploy/kubernetes, relative to it. */
export function manifestFiles(dir = manifestsDir, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? manifestFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : e.name.endsWith('.yaml') ? [`${prefix}${e.name}`] : []))
    .sort();
}

export function readManifest(file: string): K8sObject[] {
  return parseDocuments(readFileSync(path.join(manifestsDir, file), 'utf8'), `deploy/kubernetes/${file}`);
}

/** The objects `kubectl apply -f deploy/kubernetes/` creates (the top-level files). */
export function plainObjects(): K8sObject[] {
  return manifestFiles()
    .filter((f) => !f.includes('/'))
    .flatMap(readManifest);
}
