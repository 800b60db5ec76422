{{/* Names, labels and the one workload template every Seller Bot process is rendered from. */}}

{{- define "sellerbot.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "sellerbot.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/part-of: seller-bot
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* dict "root" . "name" "chatbot" */}}
{{- define "sellerbot.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "sellerbot.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "sellerbot.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "sellerbot.secretName" -}}
{{- if .Values.secrets.create -}}
{{- include "sellerbot.fullname" . -}}
{{- else -}}
{{- required "secrets.existingSecret is required when secrets.create is false" .Values.secrets.existingSecret -}}
{{- end -}}
{{- end -}}

{{/* Secret keys without which no process can start; every other key is optional. */}}
{{- define "sellerbot.requiredSecretKeys" -}}
DATABASE_URL REDIS_URL NATS_URL JWT_SECRET ADMIN_PASSWORD SECRETS_KEY
{{- end -}}

{{/*
The target other processes dial: "dns:///<fullname>-<service>:<grpcPort>". The Service is headless, so the name
resolves to one address per ready pod and the clients' round_robin policy spreads calls over every replica (a
ClusterIP's single virtual IP would pin each client's HTTP/2 connection to one pod).
  dict "root" . "name" "chatbot" "values" .Values.chatbot
*/}}
{{- define "sellerbot.grpcTarget" -}}
{{- printf "dns:///%s-%s:%v" (include "sellerbot.fullname" .root) .name .values.grpcPort -}}
{{- end -}}

{{/* Annotations with every value quoted, so `x: y` or `enabled: true` stay strings. Takes a dict. */}}
{{- define "sellerbot.annotations" -}}
{{- $lines := list -}}
{{- range $key, $value := . -}}
{{- $lines = append $lines (printf "%s: %s" ($key | quote) ($value | toString | quote)) -}}
{{- end -}}
{{- join "\n" $lines -}}
{{- end -}}

{{/*
A Deployment + Service for one process.
  dict "root" $ "name" "chatbot" "values" .Values.chatbot "envPrefix" "CHATBOT"
       "http" false (true for the gateway) "recreate" false "shm" false
gRPC processes get `grpc:` probes on their gRPC port (grpc.health.v1), a metrics port and a headless Service;
the gateway gets HTTP probes (startup and liveness on /livez, readiness on /readyz, 503 until its dependencies
are ready) and its internal metrics port. Each process receives the shared ConfigMap, its own listen address,
and only the Secret keys named in its `secretEnv`.
*/}}
{{- define "sellerbot.workload" -}}
{{- $root := .root -}}
{{- $v := .values -}}
{{- $name := .name -}}
{{- $fullname := printf "%s-%s" (include "sellerbot.fullname" $root) $name -}}
{{- $port := $v.grpcPort -}}
{{- $portName := "grpc" -}}
{{- $metricsPort := $v.metricsPort -}}
{{- if .http -}}
{{- $port = $v.port -}}
{{- $portName = "http" -}}
{{- end -}}
{{- $required := splitList " " (include "sellerbot.requiredSecretKeys" $root) -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "sellerbot.labels" $root | nindent 4 }}
    {{- include "sellerbot.selectorLabels" (dict "root" $root "name" $name) | nindent 4 }}
spec:
  {{- if not (dig "autoscaling" "enabled" false $v) }}
  replicas: {{ $v.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  {{- if .recreate }}
  strategy:
    type: Recreate
  {{- end }}
  selector:
    matchLabels:
      {{- include "sellerbot.selectorLabels" (dict "root" $root "name" $name) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "sellerbot.labels" $root | nindent 8 }}
        {{- include "sellerbot.selectorLabels" (dict "root" $root "name" $name) | nindent 8 }}
      annotations:
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        checksum/secret: {{ include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $metricsPort | quote }}
        prometheus.io/path: /metrics
        {{- with $root.Values.podAnnotations }}
        {{- include "sellerbot.annotations" . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "sellerbot.serviceAccountName" $root }}
      automountServiceAccountToken: false
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      {{- with $root.Values.images.pullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      terminationGracePeriodSeconds: 30
      containers:
        - name: {{ $name }}
          {{- $digest := dig $name "" ($root.Values.images.digests | default dict) }}
          {{- if $digest }}
          image: {{ printf "%s/%s@%s" $root.Values.images.repository $name $digest }}
          {{- else }}
          image: {{ printf "%s/%s:%s" $root.Values.images.repository $name ($root.Values.images.tag | default $root.Chart.AppVersion) }}
          {{- end }}
          imagePullPolicy: {{ $root.Values.images.pullPolicy }}
          ports:
            - name: {{ $portName }}
              containerPort: {{ $port }}
              protocol: TCP
            - name: metrics
              containerPort: {{ $metricsPort }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "sellerbot.fullname" $root }}-config
          env:
            {{- if .http }}
            - name: GATEWAY_HOST
              value: "0.0.0.0"
            - name: GATEWAY_PORT
              value: {{ $port | quote }}
            # /metrics of the gateway and every service, without a token, on a port only the cluster reaches.
            - name: GATEWAY_METRICS_PORT
              value: {{ $metricsPort | quote }}
            {{- else }}
            - name: {{ .envPrefix }}_GRPC_ADDR
              value: {{ printf "0.0.0.0:%v" $port | quote }}
            - name: {{ .envPrefix }}_METRICS_PORT
              value: {{ $metricsPort | quote }}
            {{- end }}
            {{- range $v.secretEnv }}
            - name: {{ . }}
              valueFrom:
                secretKeyRef:
                  name: {{ include "sellerbot.secretName" $root }}
                  key: {{ . }}
                  optional: {{ not (has . $required) }}
            {{- end }}
            {{- range $key, $value := $v.env }}
            - name: {{ $key }}
              value: {{ $value | quote }}
            {{- end }}
          {{- if .http }}
          startupProbe:
            httpGet:
              path: /livez
              port: http
            periodSeconds: 2
            failureThreshold: 60
          livenessProbe:
            httpGet:
              path: /livez
              port: http
            periodSeconds: 10
            timeoutSeconds: 5
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
            periodSeconds: 5
            timeoutSeconds: 5
          {{- else }}
          # Migrations and JetStream streams are set up before the server reports SERVING.
          startupProbe:
            grpc:
              port: {{ $port }}
            periodSeconds: 2
            failureThreshold: 60
          livenessProbe:
            grpc:
              port: {{ $port }}
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          readinessProbe:
            grpc:
              port: {{ $port }}
            periodSeconds: 5
            timeoutSeconds: 3
          {{- end }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            - name: data
              mountPath: /data
            {{- if .shm }}
            - name: dshm
              mountPath: /dev/shm
            {{- end }}
      volumes:
        - name: tmp
          emptyDir: {}
        {{- if dig "persistence" "enabled" false $v }}
        - name: data
          persistentVolumeClaim:
            claimName: {{ $fullname }}-data
        {{- else }}
        - name: data
          emptyDir: {}
        {{- end }}
        {{- if .shm }}
        - name: dshm
          emptyDir:
            medium: Memory
            sizeLimit: {{ $v.shmSize }}
        {{- end }}
      {{- with $root.Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- if dig "podDisruptionBudget" "enabled" false $v }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "sellerbot.labels" $root | nindent 4 }}
    {{- include "sellerbot.selectorLabels" (dict "root" $root "name" $name) | nindent 4 }}
spec:
  maxUnavailable: {{ $v.podDisruptionBudget.maxUnavailable | default 1 }}
  selector:
    matchLabels:
      {{- include "sellerbot.selectorLabels" (dict "root" $root "name" $name) | nindent 6 }}
{{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "sellerbot.labels" $root | nindent 4 }}
    {{- include "sellerbot.selectorLabels" (dict "root" $root "name" $name) | nindent 4 }}
    sellerbot.io/job: {{ $name }}
spec:
  {{- if .http }}
  type: {{ dig "service" "type" "ClusterIP" $v }}
  {{- else }}
  # Headless: the DNS name returns every ready pod, for the clients' round_robin (see sellerbot.grpcTarget).
  clusterIP: None
  {{- end }}
  selector:
    {{- include "sellerbot.selectorLabels" (dict "root" $root "name" $name) | nindent 4 }}
  ports:
    {{- if .http }}
    - name: http
      port: {{ dig "service" "port" $port $v }}
      targetPort: http
      protocol: TCP
    - name: metrics
      port: {{ $metricsPort }}
      targetPort: metrics
      protocol: TCP
    {{- else }}
    - name: grpc
      port: {{ $port }}
      targetPort: grpc
      protocol: TCP
      appProtocol: grpc
    - name: metrics
      port: {{ $metricsPort }}
      targetPort: metrics
      protocol: TCP
    {{- end }}
{{- end -}}
