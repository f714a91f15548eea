{{/*
A Deployment of one Conveyor process, all from the one image: `dict "root" $ "component" "api" "ports" (dict
"http" 3000) "ready" "/readyz" "metricsPort" 3100 "secretKeys" (list …) "replicas" 2 "pod" (dict …)`.
`replicas` absent leaves them to an autoscaler; `pod` adds fields to the pod spec.
*/}}
{{- define "conveyor.deployment" -}}
{{- $root := .root }}
{{- $ctx := dict "root" $root "component" .component }}
{{- $values := index $root.Values .component }}
{{- $metricsPort := ternary .metricsPort "" (and (hasKey . "metricsPort") $root.Values.metrics.podAnnotations) }}
{{- $config := cat (include (printf "conveyor.env.%s" .component) $root) (ternary (include "conveyor.secretChecksum" $root) "" (not (empty .secretKeys))) }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "conveyor.name" $ctx }}
  labels:
    {{- include "conveyor.labels" $ctx | nindent 4 }}
spec:
  {{- if hasKey . "replicas" }}
  replicas: {{ .replicas }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "conveyor.selectorLabels" $ctx | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "conveyor.selectorLabels" $ctx | nindent 8 }}
      annotations:
        {{- include "conveyor.podAnnotations" (dict "root" $root "config" $config "metricsPort" $metricsPort) | nindent 8 }}
    spec:
      {{- include "conveyor.podCommon" $root | trim | nindent 6 }}
      {{- with .pod }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
      containers:
        - name: {{ .component }}
          {{- include "conveyor.containerCommon" $root | nindent 10 }}
          workingDir: /app/apps/{{ .component }}
          command: ["node", "--enable-source-maps", "dist/main.js"]
          ports:
            {{- range $name, $port := .ports }}
            - name: {{ $name }}
              containerPort: {{ $port }}
            {{- end }}
          envFrom:
            - configMapRef:
                name: {{ include "conveyor.name" $ctx }}
          {{- with .secretKeys }}
          env:
            {{- include "conveyor.secretEnv" (dict "root" $root "keys" .) | trim | nindent 12 }}
          {{- end }}
          startupProbe:
            {{- include "conveyor.probe" (dict "path" "/healthz" "failureThreshold" 30) | nindent 12 }}
          livenessProbe:
            {{- include "conveyor.probe" (dict "path" "/healthz") | nindent 12 }}
          readinessProbe:
            {{- include "conveyor.probe" (dict "path" .ready) | nindent 12 }}
          resources:
            {{- toYaml $values.resources | nindent 12 }}
      volumes:
        - name: tmp
          emptyDir: {}
{{- end -}}
