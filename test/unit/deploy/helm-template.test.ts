import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChartRenderer, TemplateError, mergeValues, type ChartContext } from './helm-template.js';

// What helm prints for these templates (helm 3, checked by hand against text/template and sprig semantics).
const context = (values: Record<string, unknown> = {}): ChartContext => ({
  Values: values,
  Release: { Name: 'rel', Namespace: 'ns', Service: 'Helm' },
  Chart: { Name: 'deckhand', Version: '0.1.0', AppVersion: '0.1.0' },
});

const render = (source: string, values: Record<string, unknown> = {}, helpers = '') =>
  new ChartRenderer(helpers ? [{ file: '_helpers.tpl', source: helpers }] : []).render('t.yaml', source, context(values));

describe('the chart test renderer', () => {
  it('prints values and trims whitespace at {{- and -}}', () => {
    expect(render('a: {{ .Values.x }}\nb:   {{- .Release.Name -}}   \nc', { x: 3 })).toBe('a: 3\nb:relc');
  });

  it('includes defines with the given dot, and nindent/indent indent every line', () => {
    const helpers = '{{- define "l" -}}\nname: {{ .Release.Name }}\nns: {{ .Release.Namespace }}\n{{- end -}}';
    expect(render('labels:\n  {{- include "l" . | nindent 2 }}\nx', {}, helpers)).toBe('labels:\n  name: rel\n  ns: ns\nx');
    expect(render('{{ include "l" . | indent 4 }}', {}, helpers)).toBe('    name: rel\n    ns: ns');
  });

  it('branches on Go template truthiness', () => {
    const t = '{{- if .Values.x }}yes{{- else }}no{{- end }}';
    for (const falsy of [false, 0, '', [], {}, undefined]) expect(render(t, { x: falsy })).toBe('no');
    for (const truthy of [true, 1, 'a', ['a'], { a: 1 }]) expect(render(t, { x: truthy })).toBe('yes');
  });

  it('ranges over lists with the item as dot and the root as $', () => {
    const t = '{{- range .Values.ns | default (list .Release.Namespace) }}\n- {{ . }}/{{ $.Release.Name }}{{- end }}';
    expect(render(t, { ns: [] })).toBe('\n- ns/rel');
    expect(render(t, { ns: ['a', 'b'] })).toBe('\n- a/rel\n- b/rel');
  });

  it('has helm semantics for quote, default, trunc, trimSuffix, sha256sum and toYaml', () => {
    expect(render('{{ .Values.n | quote }} {{ .Values.s | quote }}', { n: 20000, s: 'a"b' })).toBe('"20000" "a\\"b"');
    expect(render('{{ .Values.s | default .Release.Name }}', { s: '' })).toBe('rel');
    expect(render('{{ .Values.s | trunc 3 | trimSuffix "-" }}', { s: 'ab-cd' })).toBe('ab');
    expect(render('{{ .Values.s | sha256sum }}', { s: 'x\n' })).toBe(createHash('sha256').update('x\n').digest('hex'));
    expect(render('r:\n  {{- toYaml .Values.r | nindent 2 }}', { r: { cpu: '1', mem: '1Gi' } })).toBe('r:\n  cpu: "1"\n  mem: 1Gi');
  });

  it('drops comments', () => {
    expect(render('a{{/* note */}}b{{- /* trimmed */ -}} c')).toBe('abc');
  });

  it('refuses what it does not implement, and printing a missing value', () => {
    expect(() => render('{{ .Values.x | upper }}', { x: 'a' })).toThrow(/function upper is not supported/);
    expect(() => render('{{ with .Values.x }}{{ end }}')).toThrow(TemplateError);
    expect(() => render('{{ $x := 1 }}')).toThrow(TemplateError);
    expect(() => render('{{ if .Values.x }}{{ else if .Values.y }}{{ end }}')).toThrow(/else if/);
    expect(() => render('{{ .Values.missing }}')).toThrow(/no value for \.Values\.missing/);
    expect(() => render('{{ .Values.m }}', { m: { a: 1 } })).toThrow(/toYaml/);
    expect(() => render('{{ if .Values.x }}')).toThrow(/without \{\{ end \}\}/);
    expect(() => render('{{ include "nope" . }}')).toThrow(/undefined template/);
  });

  it('merges overrides into values like --set', () => {
    expect(mergeValues({ a: { b: 1, c: [1] }, d: 1 }, { a: { c: [2] }, e: 2 })).toEqual({ a: { b: 1, c: [2] }, d: 1, e: 2 });
  });
});
