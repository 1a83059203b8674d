{{/* Chart name, truncated to the 63 characters a DNS label allows. */}}
{{- define "passthru.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Object name prefix: the release name, with the chart name unless it already holds it. */}}
{{- define "passthru.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The admin/metrics Service's name; NOTES.txt and the ServiceMonitor refer to it. */}}
{{- define "passthru.adminServiceName" -}}
{{- printf "%s-admin" (include "passthru.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "passthru.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "passthru.labels" -}}
helm.sh/chart: {{ include "passthru.chart" . }}
{{ include "passthru.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: passthru
{{- end }}

{{/* The pods' identity: immutable in a Deployment's selector, so never add to it. */}}
{{- define "passthru.selectorLabels" -}}
app.kubernetes.io/name: {{ include "passthru.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "passthru.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "passthru.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "passthru.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The Secret holding the admin token: the user's own, or the one this chart creates. */}}
{{- define "passthru.adminTokenSecretName" -}}
{{- default (printf "%s-admin-token" (include "passthru.fullname" .)) .Values.adminToken.existingSecret }}
{{- end }}

{{- define "passthru.adminTokenSecretKey" -}}
{{- if .Values.adminToken.existingSecret }}{{ .Values.adminToken.existingSecretKey }}{{ else }}token{{ end }}
{{- end }}

{{/*
The token for the chart-made Secret: the given value, else the one already in the cluster (so an
upgrade does not rotate it), else a new random one. lookup is empty under helm template.
*/}}
{{- define "passthru.adminTokenValue" -}}
{{- if .Values.adminToken.value }}
{{- .Values.adminToken.value }}
{{- else }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "passthru.adminTokenSecretName" .) }}
{{- if and $existing $existing.data (index $existing.data "token") }}
{{- index $existing.data "token" | b64dec }}
{{- else }}
{{- randAlphaNum 40 }}
{{- end }}
{{- end }}
{{- end }}

{{/* The Lease this release's replicas elect a leader on: one per release, so two releases never share one. */}}
{{- define "passthru.leaseName" -}}
{{- printf "%s-controller" (include "passthru.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Where the controller watches: the one namespace, or all of them. */}}
{{- define "passthru.namespaced" -}}
{{- if .Values.watchNamespace }}true{{ end }}
{{- end }}

{{/* Replicas wanted at the least: a PDB only makes sense above one. */}}
{{- define "passthru.minReplicas" -}}
{{- if .Values.autoscaling.enabled }}{{ .Values.autoscaling.minReplicas }}{{ else }}{{ .Values.replicaCount }}{{ end }}
{{- end }}
