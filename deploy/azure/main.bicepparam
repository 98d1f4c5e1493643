// An example of main.bicep's parameters; copy it per depot and environment.
using './main.bicep'

param prefix = 'ivr-tokyo'
param image = 'myregistry.azurecr.io/dispatch-ivr:2026.12.1'
param registryServer = 'myregistry.azurecr.io'
param publicBaseUrl = 'https://ivr.example.jp'
param dispatcherNumber = '+81300000000'
param twilioAccountSid = 'AC00000000000000000000000000000000'
param azureOpenAiEndpoint = 'https://example-openai.openai.azure.com'
param azureOpenAiDeployment = 'gpt-realtime'
param depotId = 'tokyo'
param minReplicas = 2
param maxReplicas = 6
param drainSeconds = 300
// Read from the deploying shell, never written in a file.
param postgresPassword = readEnvironmentVariable('IVR_POSTGRES_PASSWORD')
