{{/* The release's name prefix: the release name, with the chart's name unless the release name holds it. */}}
{{- define "conveyor.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* One component's name: `dict "root" $ "component" "api"`. */}}
{{- define "conveyor.name" -}}
{{- printf "%s-%s" (include "conveyor.fullname" .root) .component -}}
{{- end -}}

{{- define "conveyor.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "conveyor.labels" -}}
{{ include "conveyor.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Values.image.tag | default .root.Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "conveyor.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "conveyor.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "conveyor.fullname" .)) -}}
{{- end -}}

{{/* An env value as a string: YAML integers arrive as floats, which would print as 2.5e+04. */}}
{{- define "conveyor.envValue" -}}
{{- if and (kindIs "float64" .) (eq (floor .) .) -}}
{{- int64 . | toString -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/* A map of env vars as ConfigMap data. */}}
{{- define "conveyor.envData" -}}
{{- range $name, $value := . }}
{{ $name }}: {{ include "conveyor.envValue" $value | quote }}
{{- end }}
{{- end -}}

{{/* Env entries read from the Secret: `dict "root" $ "keys" (list "DATABASE_URL" …)`. */}}
{{- define "conveyor.secretEnv" -}}
{{- $secret := include "conveyor.secretName" .root -}}
{{- range .keys }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ . }}
{{- end }}
{{- end -}}

{{/* What every pod shares: the pull secrets, the account, the security context and the scheduling. */}}
{{- define "conveyor.podCommon" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.serviceAccountName }}
serviceAccountName: {{ . }}
{{- end }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The container's fields every process shares (the root filesystem is read-only; /tmp is an emptyDir). */}}
{{- define "conveyor.containerCommon" -}}
image: {{ include "conveyor.image" . }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- end -}}

{{/* An HTTP probe on the container's `http` port: `dict "path" "/healthz"`, and `"failureThreshold" 30` for a startup probe. */}}
{{- define "conveyor.probe" -}}
httpGet:
  path: {{ .path }}
  port: http
periodSeconds: 10
timeoutSeconds: 5
failureThreshold: {{ .failureThreshold | default 3 }}
{{- end -}}

{{/* What of the Secret the chart writes, so that pods roll when a secret changes (hashed, never shown). */}}
{{- define "conveyor.secretChecksum" -}}
{{- .Values.secrets | toJson -}}
{{- end -}}

{{/* Pod annotations: a checksum of the component's config (pods roll when it changes), metrics, extras. */}}
{{- define "conveyor.podAnnotations" -}}
checksum/config: {{ .config | sha256sum }}
{{- if .metricsPort }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .metricsPort | toString | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- with .root.Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}
