// openai-node's AzureOpenAI client against a gateway started with --enable-azure-api:
//   responses-studio gateway --backend … --enable-azure-api --api-key KEY
//   AZURE_OPENAI_ENDPOINT  the gateway's root URL (default http://127.0.0.1:8080)
//   AZURE_OPENAI_API_KEY   the gateway key (sent as the api-key header)
//   OPENAI_API_VERSION     an api-version the gateway supports (docs/azure.md)
import { AzureOpenAI } from 'openai';

const client = new AzureOpenAI({
  endpoint: process.env.AZURE_OPENAI_ENDPOINT ?? 'http://127.0.0.1:8080',
  apiKey: process.env.AZURE_OPENAI_API_KEY ?? 'unused',
  apiVersion: process.env.OPENAI_API_VERSION ?? '2025-04-01-preview',
  // The client would also read OPENAI_BASE_URL, which may not be combined with an endpoint.
  baseURL: null,
});
// With a deployment, the deployment name is the model: new AzureOpenAI({ …, deployment: 'sim-chat' }).
const response = await client.responses.create({ model: process.env.MODEL ?? 'sim-chat', input: 'Say hello' });
console.log(response.id, response.status, response.output_text);
const fetched = await client.responses.retrieve(response.id);
if (fetched.status !== 'completed') process.exit(1);
