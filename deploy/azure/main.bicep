// The phone service on Azure Container Apps (deploy/README.md, "Azure").
//
//   az deployment group create -g RG -f deploy/azure/main.bicep -p deploy/azure/main.bicepparam -p deployApp=false
//   (put the secrets in the Key Vault: deploy/README.md)
//   az deployment group create -g RG -f deploy/azure/main.bicep -p deploy/azure/main.bicepparam
//   az containerapp job start -g RG -n <prefix>-migrate       # ivr db upgrade, once per release
//
// What it makes: a virtual network (the Container Apps environment's subnet, and PostgreSQL's,
// private); PostgreSQL Flexible Server with the `ivr` database; a Key Vault holding every secret,
// read by the app through a user-assigned managed identity (Key Vault references, no secret in the
// template's outputs or the app's configuration); Log Analytics; the Container Apps environment;
// the app itself (external HTTPS ingress that carries WebSockets, probes on /healthz and /readyz,
// replicas scaled on concurrent requests, a termination grace period longer than DRAIN_SECONDS);
// and a manual job that runs the migrations.

targetScope = 'resourceGroup'

@description('Short name used as the prefix of every resource name.')
@minLength(3)
@maxLength(16)
param prefix string = 'ivr'

param location string = resourceGroup().location

@description('The image, e.g. myregistry.azurecr.io/dispatch-ivr:2026.12.1 (built from deploy/Dockerfile).')
param image string

@description('Registry server to pull from with the managed identity (grant it AcrPull); empty for a public image.')
param registryServer string = ''

@description('false on the first run: everything but the app and the job, so the secrets can be put in the Key Vault first.')
param deployApp bool = true

@description('The https:// URL Twilio calls (PUBLIC_BASE_URL): a custom domain bound to the app, or its default FQDN.')
param publicBaseUrl string

@description('DISPATCHER_NUMBER: where handed-over calls (and the TwiML fallback) are dialled, E.164.')
param dispatcherNumber string

@description('TWILIO_ACCOUNT_SID (not a secret; the auth token is, in the Key Vault).')
param twilioAccountSid string

@description('Azure OpenAI endpoint (https://NAME.openai.azure.com); empty to use OpenAI with the openai-api-key secret.')
param azureOpenAiEndpoint string = ''

@description('The Realtime deployment on Azure OpenAI.')
param azureOpenAiDeployment string = ''

param depotId string = 'default'
@description('During a rotation of the Twilio auth token (deploy/README.md): also accept the token being replaced, from the Key Vault secret twilio-auth-token-previous.')
param rotatingTwilioToken bool = false

@description('Replicas kept running at all times (two, so one can restart while the other serves).')
@minValue(1)
param minReplicas int = 2

@minValue(1)
param maxReplicas int = 10

@description('Concurrent requests per replica before another one is added. Each call holds one (its media WebSocket).')
@minValue(1)
param callsPerReplica int = 80

@description('MAX_CONCURRENT_CALLS per worker process; a replica runs one worker per CPU.')
@minValue(1)
param maxCallsPerWorker int = 100

@description('vCPU per replica (also the number of worker processes `ivr serve` starts).')
param cpu string = '1.0'

param memory string = '2Gi'

@description('DRAIN_SECONDS: after SIGTERM calls go on this long, then are handed over. The grace period adds 60 s.')
@minValue(0)
@maxValue(540)
param drainSeconds int = 300

@description('PostgreSQL administrator (the app connects as it; see deploy/README.md for a narrower role).')
param postgresAdmin string = 'ivradmin'

@secure()
@description('PostgreSQL administrator password: only written into the Key Vault secret database-url.')
param postgresPassword string

param postgresSku string = 'Standard_B2s'
param postgresTier string = 'Burstable'

param vnetCidr string = '10.40.0.0/16'
@description('The Container Apps environment\'s infrastructure subnet: the ingress connects from it, hence TRUSTED_PROXIES.')
param appsSubnetCidr string = '10.40.0.0/23'
param postgresSubnetCidr string = '10.40.2.0/24'

var graceSeconds = drainSeconds + 60
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
// Suffix unique per resource group: Key Vault and PostgreSQL names are global.
var unique = take(uniqueString(resourceGroup().id), 6)

// ----- network -----------------------------------------------------------------------------------
resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
  name: '${prefix}-vnet'
  location: location
  properties: {
    addressSpace: { addressPrefixes: [ vnetCidr ] }
    subnets: [
      {
        name: 'apps'
        properties: {
          addressPrefix: appsSubnetCidr
          delegations: [ { name: 'apps', properties: { serviceName: 'Microsoft.App/environments' } } ]
        }
      }
      {
        name: 'postgres'
        properties: {
          addressPrefix: postgresSubnetCidr
          delegations: [ { name: 'postgres', properties: { serviceName: 'Microsoft.DBforPostgreSQL/flexibleServers' } } ]
        }
      }
    ]
  }
}

resource postgresDns 'Microsoft.Network/privateDnsZones@2020-06-01' = {
  name: '${prefix}.private.postgres.database.azure.com'
  location: 'global'
}

resource postgresDnsLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = {
  parent: postgresDns
  name: '${prefix}-vnet'
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: { id: vnet.id }
  }
}

// ----- identity and secrets ----------------------------------------------------------------------
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${prefix}-id'
  location: location
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: '${prefix}-kv-${unique}'
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
  }
}

resource vaultReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, identity.id, keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// ----- PostgreSQL --------------------------------------------------------------------------------
resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: '${prefix}-pg-${unique}'
  location: location
  sku: { name: postgresSku, tier: postgresTier }
  properties: {
    version: '16'
    administratorLogin: postgresAdmin
    administratorLoginPassword: postgresPassword
    storage: { storageSizeGB: 32, autoGrow: 'Enabled' }
    backup: { backupRetentionDays: 14, geoRedundantBackup: 'Disabled' }
    highAvailability: { mode: 'Disabled' }
    network: {
      delegatedSubnetResourceId: '${vnet.id}/subnets/postgres'
      privateDnsZoneArmResourceId: postgresDns.id
      publicNetworkAccess: 'Disabled'
    }
  }
  dependsOn: [ postgresDnsLink ]
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: postgres
  name: 'ivr'
  properties: { charset: 'UTF8', collation: 'en_US.utf8' }
}

// The service's DATABASE_URL, written here so the password never leaves the Key Vault.
resource databaseUrl 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'database-url'
  properties: {
    value: 'postgresql+asyncpg://${uriComponent(postgresAdmin)}:${uriComponent(postgresPassword)}@${postgres.properties.fullyQualifiedDomainName}:5432/ivr?ssl=require'
  }
}

// ----- Container Apps environment ----------------------------------------------------------------
resource logs 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: '${prefix}-logs'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: '${prefix}-env'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
    vnetConfiguration: {
      infrastructureSubnetId: '${vnet.id}/subnets/apps'
      internal: false
    }
    workloadProfiles: [ { name: 'Consumption', workloadProfileType: 'Consumption' } ]
  }
}

// ----- the spool ---------------------------------------------------------------------------------
// SPOOL_DIR on an Azure Files share every replica mounts: a replica stopped while PostgreSQL is away
// leaves its call records there, and any replica that starts next replays them (files are claimed
// before replay; docs/operations.md#faults). A replica's own disk would go with the replica.
resource spoolStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: '${take(toLower(replace(prefix, '-', '')), 13)}spool${unique}'
  location: location
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource spoolShare 'Microsoft.Storage/storageAccounts/fileServices/shares@2023-05-01' = {
  name: '${spoolStorage.name}/default/spool'
  properties: { shareQuota: 5 }
}

resource environmentSpool 'Microsoft.App/managedEnvironments/storages@2024-03-01' = {
  parent: environment
  name: 'spool'
  properties: {
    azureFile: {
      accountName: spoolStorage.name
      accountKey: spoolStorage.listKeys().keys[0].value
      shareName: 'spool'
      accessMode: 'ReadWrite'
    }
  }
  dependsOn: [ spoolShare ]
}

// ----- the app -----------------------------------------------------------------------------------
// stream-token-secret: stream tokens keyed apart from the auth token, so rotating that token never
// refuses a stream whose token is in flight. metrics-token: the bearer a Prometheus scraping
// through the ingress sends (/metrics answers nobody else).
var secretNames = concat([ 'database-url', 'twilio-auth-token', 'stream-token-secret', 'metrics-token' ], empty(azureOpenAiEndpoint) ? [ 'openai-api-key' ] : [ 'azure-openai-api-key' ], rotatingTwilioToken ? [ 'twilio-auth-token-previous' ] : [])
var secrets = [for name in secretNames: {
  name: name
  keyVaultUrl: '${vault.properties.vaultUri}secrets/${name}'
  identity: identity.id
}]

var modelEnv = empty(azureOpenAiEndpoint) ? [
  { name: 'OPENAI_API_KEY', secretRef: 'openai-api-key' }
] : [
  { name: 'AZURE_OPENAI_ENDPOINT', value: azureOpenAiEndpoint }
  { name: 'AZURE_OPENAI_DEPLOYMENT', value: azureOpenAiDeployment }
  { name: 'AZURE_OPENAI_API_KEY', secretRef: 'azure-openai-api-key' }
]

var rotationEnv = rotatingTwilioToken ? [
  { name: 'TWILIO_AUTH_TOKEN_PREVIOUS', secretRef: 'twilio-auth-token-previous' }
] : []

var env = concat(rotationEnv, [
  { name: 'DATABASE_URL', secretRef: 'database-url' }
  { name: 'TWILIO_AUTH_TOKEN', secretRef: 'twilio-auth-token' }
  { name: 'STREAM_TOKEN_SECRET', secretRef: 'stream-token-secret' }
  { name: 'METRICS_TOKEN', secretRef: 'metrics-token' }
  { name: 'TWILIO_ACCOUNT_SID', value: twilioAccountSid }
  { name: 'PUBLIC_BASE_URL', value: publicBaseUrl }
  { name: 'DISPATCHER_NUMBER', value: dispatcherNumber }
  { name: 'DEPOT_ID', value: depotId }
  { name: 'DRAIN_SECONDS', value: string(drainSeconds) }
  { name: 'SPOOL_DIR', value: '/var/lib/ivr/spool' }
  // The ingress (Envoy) connects from the environment's infrastructure subnet and appends the
  // caller's address to X-Forwarded-For (docs/security.md#trusted_proxies).
  { name: 'TRUSTED_PROXIES', value: appsSubnetCidr }
  { name: 'MAX_CONCURRENT_CALLS', value: string(maxCallsPerWorker) }
  { name: 'LOG_LEVEL', value: 'INFO' }
], modelEnv)

var registries = empty(registryServer) ? [] : [ { server: registryServer, identity: identity.id } ]

resource app 'Microsoft.App/containerApps@2024-03-01' = if (deployApp) {
  name: '${prefix}-app'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    environmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      // One revision at a time: a new release starts new replicas, then drains the old ones (SIGTERM).
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: 8080
        transport: 'http' // HTTP/1.1, which carries the Media Streams WebSocket upgrade
        allowInsecure: false
      }
      secrets: secrets
      registries: registries
    }
    template: {
      terminationGracePeriodSeconds: graceSeconds
      volumes: [
        {
          name: 'spool'
          storageType: 'AzureFile'
          storageName: environmentSpool.name
          // The service's user (the image's uid 10001) alone: transcripts hold names.
          mountOptions: 'uid=10001,gid=10001,dir_mode=0700,file_mode=0600'
        }
      ]
      containers: [
        {
          name: 'ivr'
          image: image
          args: [ 'serve', '--host', '0.0.0.0', '--port', '8080' ]
          env: env
          volumeMounts: [ { volumeName: 'spool', mountPath: '/var/lib/ivr/spool' } ]
          resources: { cpu: json(cpu), memory: memory }
          probes: [
            {
              type: 'Startup'
              httpGet: { path: '/healthz', port: 8080 }
              periodSeconds: 2
              failureThreshold: 30
            }
            {
              // The process answers; restarted when it stops answering.
              type: 'Liveness'
              httpGet: { path: '/healthz', port: 8080 }
              periodSeconds: 10
              timeoutSeconds: 3
              failureThreshold: 3
            }
            {
              // New calls only while /readyz is 200: it turns 503 the moment a drain starts.
              type: 'Readiness'
              httpGet: { path: '/readyz', port: 8080 }
              periodSeconds: 3
              timeoutSeconds: 4
              failureThreshold: 1
              successThreshold: 1
            }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'concurrent-calls'
            http: { metadata: { concurrentRequests: string(callsPerReplica) } }
          }
        ]
      }
    }
  }
  dependsOn: [ vaultReader, databaseUrl ]
}

// `ivr db upgrade`, started by hand once per release before the new revision takes calls.
resource migrate 'Microsoft.App/jobs@2024-03-01' = if (deployApp) {
  name: '${prefix}-migrate'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    environmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      triggerType: 'Manual'
      replicaTimeout: 600
      replicaRetryLimit: 1
      manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 }
      secrets: [ { name: 'database-url', keyVaultUrl: '${vault.properties.vaultUri}secrets/database-url', identity: identity.id } ]
      registries: registries
    }
    template: {
      containers: [
        {
          name: 'migrate'
          image: image
          args: [ 'db', 'upgrade' ]
          env: [ { name: 'DATABASE_URL', secretRef: 'database-url' } ]
          resources: { cpu: json('0.5'), memory: '1Gi' }
        }
      ]
    }
  }
  dependsOn: [ vaultReader, databaseUrl ]
}

output keyVaultName string = vault.name
output identityPrincipalId string = identity.properties.principalId
output appFqdn string = deployApp ? app.properties.configuration.ingress.fqdn : ''
output webhookUrl string = '${publicBaseUrl}/twilio/voice'
output trustedProxies string = appsSubnetCidr
