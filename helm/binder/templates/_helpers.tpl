{{/* Names, labels and the settings every Binder pod shares. */}}

{{- define "binder.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "binder.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The name of one component's objects: <fullname>-<component>, within Kubernetes' 63 characters. */}}
{{- define "binder.componentName" -}}
{{- printf "%s-%s" (include "binder.fullname" .root | trunc (int (sub 62 (len .component))) | trimSuffix "-") .component -}}
{{- end -}}

{{- define "binder.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "binder.selectorLabels" . }}
{{- end -}}

{{- define "binder.selectorLabels" -}}
app.kubernetes.io/name: {{ include "binder.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "binder.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "binder.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "binder.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Launch:Kubernetes:InstanceName: the label value session pods carry (binder.org/instance); 1 to 30 characters. */}}
{{- define "binder.sessionInstance" -}}
{{- include "binder.fullname" . | trunc 30 | trimSuffix "-" -}}
{{- end -}}

{{- define "binder.publicUrl" -}}
{{- if .Values.publicUrl -}}
{{- .Values.publicUrl | trimSuffix "/" -}}/
{{- else if .Values.ingress.enabled -}}
{{- $host := required "ingress.hosts: name at least one host when ingress.enabled is true (e.g. --set ingress.hosts={binder.example.org})" (first .Values.ingress.hosts) -}}
{{- printf "%s://%s/" (ternary "https" "http" (gt (len .Values.ingress.tls) 0)) $host -}}
{{- else -}}
http://127.0.0.1:8000/
{{- end -}}
{{- end -}}

{{/* The chart's own Redis is used with backend Redis when no connection string or Secret of one is given. */}}
{{- define "binder.ownRedis" -}}
{{- if and (eq .Values.cluster.backend "Redis") (not .Values.cluster.redis.connectionString) (not .Values.cluster.redis.existingSecret) -}}
true
{{- end -}}
{{- end -}}

{{/* The Secret and key holding the backend's connection string. */}}
{{- define "binder.backendSecretRef" -}}
{{- if eq .Values.cluster.backend "Redis" -}}
{{- if .Values.cluster.redis.existingSecret -}}
name: {{ .Values.cluster.redis.existingSecret }}
key: {{ .Values.cluster.redis.existingSecretKey }}
{{- else -}}
name: {{ include "binder.fullname" . }}
key: redis-connection-string
{{- end -}}
{{- else -}}
{{- if .Values.cluster.azureStorage.existingSecret -}}
name: {{ .Values.cluster.azureStorage.existingSecret }}
key: {{ .Values.cluster.azureStorage.existingSecretKey }}
{{- else -}}
name: {{ include "binder.fullname" . }}
key: azure-connection-string
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "binder.registrySecretName" -}}
{{- if .Values.registry.existingSecret -}}
{{- .Values.registry.existingSecret -}}
{{- else if .Values.registry.username -}}
{{- include "binder.componentName" (dict "root" . "component" "registry") -}}
{{- end -}}
{{- end -}}

{{/* A pod's security context: a non-root user, the runtime's default seccomp profile. */}}
{{- define "binder.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- with .groups }}
supplementalGroups:
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* A container's security context: non-root, no capabilities, no privilege escalation, read-only root. */}}
{{- define "binder.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/*
extraEnv: {Section__Key: value} -> BINDER_Section__Key; a value {secretKeyRef: {name, key}} is read from that Secret
(tokens, passwords: kept out of the values and the ConfigMap).
*/}}
{{- define "binder.extraEnv" -}}
{{- range $key, $value := . }}
- name: BINDER_{{ $key }}
{{- if kindIs "map" $value }}
  valueFrom:
    secretKeyRef: {name: {{ $value.secretKeyRef.name | quote }}, key: {{ $value.secretKeyRef.key | quote }}}
{{- else }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
The settings both roles share (the service checks every section in every role, so silos and front ends get the
same ones): the cluster backend, the registry's address, the launch backend and the proxy's public URL. What only the
silos use and a front end must not hold (the proxy's API token, the registry's credentials) is in binder.siloEnv.
*/}}
{{- define "binder.commonEnv" -}}
{{- $fullname := include "binder.fullname" . -}}
- name: BINDER_CONFIG
  value: /etc/binder/config/binder.json
- name: BINDER_Silo__Backend
  value: {{ .Values.cluster.backend | quote }}
- name: BINDER_Silo__ClusterId
  value: {{ .Values.cluster.clusterId | quote }}
- name: BINDER_Silo__ServiceId
  value: {{ .Values.cluster.serviceId | quote }}
- name: BINDER_Silo__{{ .Values.cluster.backend }}__ConnectionString
  valueFrom:
    secretKeyRef:
{{ include "binder.backendSecretRef" . | indent 6 }}
- name: POD_NAME
  valueFrom: {fieldRef: {fieldPath: metadata.name}}
- name: POD_NAMESPACE
  valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
- name: POD_IP
  valueFrom: {fieldRef: {fieldPath: status.podIP}}
{{- if .Values.cluster.tls.secretName }}
- name: BINDER_Silo__Tls__CertificateFile
  value: /etc/binder/tls/cluster.pfx
{{- if .Values.cluster.tls.certificateAuthority }}
- name: BINDER_Silo__Tls__CertificateAuthorityFile
  value: /etc/binder/tls/ca.crt
{{- end }}
- name: BINDER_Silo__Tls__CertificatePassword
  valueFrom:
    secretKeyRef: {name: {{ .Values.cluster.tls.secretName }}, key: password, optional: true}
{{- end }}
{{- if eq .Values.sessions.backend "Kubernetes" }}
{{- $_ := required "registry.url: name the registry images are pushed to and session pods pull from (e.g. --set registry.url=registry.example.org/binder); with sessions.backend Kubernetes the kubelet pulls each session's image, and a built image exists only in the Docker daemon of the silo that built it" .Values.registry.url }}
{{- end }}
{{- if .Values.registry.url }}
- name: BINDER_Binder__Repo__Registry
  value: {{ .Values.registry.url | quote }}
{{- end }}
- name: BINDER_Binder__Sessions__IdleTimeout
  value: {{ .Values.sessions.idleTimeout | quote }}
- name: BINDER_Binder__Sessions__MaxAge
  value: {{ .Values.sessions.maxAge | quote }}
- name: BINDER_Launch__Backend
  value: {{ .Values.sessions.backend | quote }}
{{- if eq .Values.sessions.backend "Kubernetes" }}
- name: BINDER_Launch__Kubernetes__Namespace
  value: {{ .Release.Namespace | quote }}
- name: BINDER_Launch__Kubernetes__InstanceName
  value: {{ include "binder.sessionInstance" . | quote }}
- name: BINDER_Launch__Kubernetes__ServiceAccountName
  value: {{ include "binder.componentName" (dict "root" . "component" "session") | quote }}
{{- with include "binder.registrySecretName" . }}
- name: BINDER_Launch__Kubernetes__ImagePullSecret
  value: {{ . | quote }}
{{- end }}
- name: BINDER_Launch__Kubernetes__MemoryRequest
  value: {{ .Values.sessions.resources.requests.memory | quote }}
- name: BINDER_Launch__Kubernetes__MemoryLimit
  value: {{ .Values.sessions.resources.limits.memory | quote }}
- name: BINDER_Launch__Kubernetes__CpuRequest
  value: {{ .Values.sessions.resources.requests.cpu | quote }}
- name: BINDER_Launch__Kubernetes__CpuLimit
  value: {{ .Values.sessions.resources.limits.cpu | quote }}
{{- end }}
- name: BINDER_Proxy__PublicUrl
  value: {{ include "binder.publicUrl" . | quote }}
- name: BINDER_Server__PublicUrl
  value: {{ include "binder.publicUrl" . | quote }}
- name: BINDER_Server__Urls
  value: "http://0.0.0.0:8585"
{{- end -}}

{{/*
The silos' own settings and secrets: the proxy's API and its token (the silos add and remove the sessions' routes;
a front end alone owns and calls no proxy) and the registry's credentials (the silos push and check images). Front
ends get none of them.
*/}}
{{- define "binder.siloEnv" -}}
- name: BINDER_Proxy__ApiUrl
  value: {{ printf "http://%s:8001/" (include "binder.componentName" (dict "root" . "component" "proxy-api")) | quote }}
- name: BINDER_Proxy__AuthToken
  valueFrom:
    secretKeyRef: {name: {{ include "binder.fullname" . }}, key: proxy-auth-token}
{{- with include "binder.registrySecretName" . }}
- name: BINDER_Binder__RegistryAccess__Credentials__registry__Registry
  value: {{ (required "registry.url: name the registry (e.g. registry.example.org/binder) when registry credentials are given" $.Values.registry.url) | splitList "/" | first | quote }}
- name: BINDER_Binder__RegistryAccess__Credentials__registry__Username
  valueFrom:
    secretKeyRef: {name: {{ . }}, key: username}
- name: BINDER_Binder__RegistryAccess__Credentials__registry__Password
  valueFrom:
    secretKeyRef: {name: {{ . }}, key: password}
- name: DOCKER_CONFIG
  value: /etc/binder/docker
{{- end }}
{{- end -}}

{{- define "binder.siloVolumes" -}}
{{- with include "binder.registrySecretName" . }}
- name: docker-config
  secret:
    secretName: {{ . }}
    items:
      - {key: .dockerconfigjson, path: config.json}
{{- end }}
{{- end -}}

{{- define "binder.siloMounts" -}}
{{- if include "binder.registrySecretName" . }}
- {name: docker-config, mountPath: /etc/binder/docker, readOnly: true}
{{- end }}
{{- end -}}

{{/* The volumes commonEnv's files come from, and their mounts. */}}
{{- define "binder.commonVolumes" -}}
- name: config
  configMap:
    name: {{ include "binder.fullname" . }}
- name: tmp
  emptyDir: {}
{{- if .Values.cluster.tls.secretName }}
- name: cluster-tls
  secret:
    secretName: {{ .Values.cluster.tls.secretName }}
{{- end }}
{{- end -}}

{{- define "binder.commonMounts" -}}
- {name: config, mountPath: /etc/binder/config, readOnly: true}
- {name: tmp, mountPath: /tmp}
{{- if .Values.cluster.tls.secretName }}
- {name: cluster-tls, mountPath: /etc/binder/tls, readOnly: true}
{{- end }}
{{- end -}}

{{/*
Probes on the service's /health: ready when every check passes; started within about five minutes. Front ends
(.frontend true) are ready by /health/ready, without the registry check: a slow registry would otherwise take every
front end out of their Service at once.
*/}}
{{- define "binder.probes" -}}
{{- $path := ternary "/health/ready" "/health" (default false .frontend) -}}
startupProbe:
  httpGet: {path: {{ $path }}, port: http}
  periodSeconds: 5
  failureThreshold: 60
readinessProbe:
  httpGet: {path: {{ $path }}, port: http}
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 3
# Liveness on the port, not on /health: /health fails while a dependency (the proxy, the registry, Redis) is down,
# and restarting Binder would not bring that dependency back.
livenessProbe:
  tcpSocket: {port: http}
  periodSeconds: 20
  timeoutSeconds: 5
  failureThreshold: 6
{{- end -}}

{{/*
The settings file (BINDER_CONFIG): `config` with what cannot be an environment variable's name merged in (label keys
such as binder.org/sessions hold a slash, which Kubernetes refuses in a variable's name).
*/}}
{{- define "binder.configJson" -}}
{{- $config := deepCopy .Values.config -}}
{{- if and (eq .Values.sessions.backend "Kubernetes") .Values.sessions.nodeSelector -}}
{{- $config = mergeOverwrite $config (dict "Launch" (dict "Kubernetes" (dict "NodeSelector" .Values.sessions.nodeSelector))) -}}
{{- end -}}
{{- toJson $config -}}
{{- end -}}

{{/*
The secrets the chart makes must be given: generated ones would change at every render, so each `helm upgrade`
would restart Redis with a new password while pods of the old revision still use the old one (rolling updates
do not restart them together). `openssl rand -hex 24` makes one.
*/}}
{{- define "binder.ensureSecrets" -}}
{{- if include "binder.ownRedis" . -}}
{{- $_ := required "redis.password: give the chart's Redis a password (e.g. --set redis.password=\"$(openssl rand -hex 24)\") and keep it for upgrades, or use cluster.redis.existingSecret" .Values.redis.password -}}
{{- end -}}
{{- $_ := required "proxy.authToken: give the proxy's API token (e.g. --set proxy.authToken=\"$(openssl rand -hex 32)\") and keep it for upgrades" .Values.proxy.authToken -}}
{{- end -}}

{{/*
A pod annotation that changes when the chart's Secret does: pods read their secrets at start, so every pod reading
them is replaced. Not together: each workload rolls on its own, and until it has, its old pods keep the old value
(a changed Redis password locks them out meanwhile), which is why the chart never changes a secret by itself.
*/}}
{{- define "binder.secretsChecksum" -}}
{{- include "binder.ensureSecrets" . -}}
checksum/secrets: {{ list .Values.redis.password .Values.proxy.authToken .Values.cluster.redis.connectionString .Values.cluster.azureStorage.connectionString .Values.frontend.operatorToken .Values.registry.password | toJson | sha256sum }}
{{- end -}}
