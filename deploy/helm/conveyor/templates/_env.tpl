{{/*
Each process's non-secret env, as ConfigMap data: what the chart sets, then the component's `env`
values, which may not override it (the ports and hosts are what the probes and Services use).
*/}}
{{- define "conveyor.withExtraEnv" -}}
{{- range $name, $_ := .extra }}
{{- if hasKey $.chart $name }}
{{- fail (printf "%s.env.%s is set by the chart; use the chart's own value for it" $.component $name) }}
{{- end }}
{{- end }}
{{- include "conveyor.envData" (merge (dict) .chart .extra) }}
{{- end -}}

{{- define "conveyor.env.api" -}}
{{- $api := .Values.api -}}
{{- $chart := dict
  "NODE_ENV" "production"
  "LOG_LEVEL" .Values.logLevel
  "QUEUE_PREFIX" .Values.queuePrefix
  "API_HOST" "0.0.0.0"
  "API_PORT" $api.port
  "API_INTERNAL_HOST" "0.0.0.0"
  "API_INTERNAL_PORT" $api.internalPort
-}}
{{- with $api.trustProxy }}
{{- $_ := set $chart "API_TRUST_PROXY" . }}
{{- end }}
{{- include "conveyor.withExtraEnv" (dict "component" "api" "chart" $chart "extra" $api.env) }}
{{- end -}}

{{- define "conveyor.env.worker" -}}
{{- $worker := .Values.worker -}}
{{- $chart := dict
  "NODE_ENV" "production"
  "LOG_LEVEL" .Values.logLevel
  "QUEUE_PREFIX" .Values.queuePrefix
  "WORKER_CONCURRENCY" $worker.concurrency
  "WORKER_SHUTDOWN_GRACE_MS" $worker.shutdownGraceMs
  "WORKER_HEALTH_HOST" "0.0.0.0"
  "WORKER_HEALTH_PORT" $worker.port
-}}
{{- include "conveyor.withExtraEnv" (dict "component" "worker" "chart" $chart "extra" $worker.env) }}
{{- end -}}

{{- define "conveyor.env.board" -}}
{{- $board := .Values.board -}}
{{- $chart := dict
  "NODE_ENV" "production"
  "LOG_LEVEL" .Values.logLevel
  "QUEUE_PREFIX" .Values.queuePrefix
  "BOARD_HOST" "0.0.0.0"
  "BOARD_PORT" $board.port
  "BOARD_USERNAME" $board.username
-}}
{{- include "conveyor.withExtraEnv" (dict "component" "board" "chart" $chart "extra" $board.env) }}
{{- end -}}

{{- define "conveyor.env.console" -}}
{{- $chart := dict
  "NODE_ENV" "production"
  "LOG_LEVEL" .Values.logLevel
  "CONSOLE_HOST" "0.0.0.0"
  "CONSOLE_PORT" .Values.console.port
  "CONSOLE_API_URL" (printf "http://%s:%v" (include "conveyor.name" (dict "root" . "component" "api")) .Values.api.port)
-}}
{{- include "conveyor.withExtraEnv" (dict "component" "console" "chart" $chart "extra" dict) }}
{{- end -}}
