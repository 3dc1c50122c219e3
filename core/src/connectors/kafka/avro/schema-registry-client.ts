import { SluiceError } from '../../../errors.ts';

/**
 * Options of {@link SchemaRegistryClient}.
 *
 * @example
 * ```ts
 * const options: SchemaRegistryClientOptions = {
 *   url: 'https://registry.example.com',
 *   basicAuth: { username: 'key', password: 'secret' },
 * };
 * ```
 */
export interface SchemaRegistryClientOptions {
  /** Base URL of a Confluent-compatible registry (Confluent, Apicurio's `/apis/ccompat/v7`, Karapace, Redpanda). */
  readonly url: string;
  /** HTTP basic authentication (Confluent Cloud: API key and secret). */
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-request timeout in ms (default 10 000). */
  readonly timeoutMs?: number;
  /** The fetch implementation (default: the global `fetch`). */
  readonly fetch?: typeof fetch;
}

/**
 * A schema as the registry stores it.
 *
 * @example
 * ```ts
 * const registered: RegisteredSchema = { id: 1, schemaType: 'AVRO', schema: '"string"' };
 * ```
 */
export interface RegisteredSchema {
  readonly id: number;
  /** `AVRO` (what the registry reports when it omits the type), `PROTOBUF` or `JSON`. */
  readonly schemaType: string;
  /** The schema text. */
  readonly schema: string;
}

/**
 * An error from the schema registry: a `SCHEMA_REGISTRY_FAILED` {@link SluiceError} with the HTTP
 * `status` (undefined when no response came) and the registry's `error_code` if it sent one.
 * Retriable for network errors, timeouts, 429 and 5xx.
 *
 * @example
 * ```ts
 * if (e instanceof SchemaRegistryError && e.status === 404) console.log('no such schema id');
 * ```
 */
export class SchemaRegistryError extends SluiceError {
  readonly status: number | undefined;
  readonly registryErrorCode: number | undefined;

  constructor(message: string, status: number | undefined, registryErrorCode: number | undefined, cause?: unknown) {
    const retriable = status === undefined || status === 429 || status >= 500;
    super('SCHEMA_REGISTRY_FAILED', message, { retriable, cause });
    this.name = 'SchemaRegistryError';
    this.status = status;
    this.registryErrorCode = registryErrorCode;
  }
}

/**
 * A minimal client of the Confluent schema-registry REST API, on `fetch`. Schemas by id are cached
 * for the life of the client (ids are immutable in a registry), and concurrent requests for one
 * id share one HTTP call; a failed request is not cached.
 *
 * @example
 * ```ts
 * const registry = new SchemaRegistryClient({ url: 'http://localhost:8081' });
 * const { schema } = await registry.getSchemaById(1);
 * const id = await registry.register('payments-value', schema);
 * ```
 * @experimental
 */
export class SchemaRegistryClient {
  readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly byId = new Map<number, Promise<RegisteredSchema>>();

  constructor(options: SchemaRegistryClientOptions) {
    if (!/^https?:\/\//.test(options.url)) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `The schema registry url must start with http:// or https://; got '${options.url}'.`,
      );
    }
    this.url = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchFn = options.fetch ?? fetch;
    this.headers = { accept: 'application/vnd.schemaregistry.v1+json, application/json', ...options.headers };
    if (options.basicAuth !== undefined) {
      const { username, password } = options.basicAuth;
      this.headers.authorization = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
    }
  }

  /** The schema registered under `id` (GET /schemas/ids/{id}); cached. */
  getSchemaById(id: number): Promise<RegisteredSchema> {
    let pending = this.byId.get(id);
    if (pending === undefined) {
      pending = this.request('GET', `/schemas/ids/${id}`, undefined, `schema id ${id}`).then((body) => {
        const schema = (body as { schema?: unknown }).schema;
        const schemaType = (body as { schemaType?: unknown }).schemaType;
        if (typeof schema !== 'string') {
          throw new SchemaRegistryError(
            `The registry at ${this.url} answered for schema id ${id} without a "schema" string.`,
            200,
            undefined,
          );
        }
        return { id, schema, schemaType: typeof schemaType === 'string' ? schemaType : 'AVRO' };
      });
      this.byId.set(id, pending);
      pending.catch(() => this.byId.delete(id));
    }
    return pending;
  }

  /**
   * Registers `schema` under `subject` (POST /subjects/{subject}/versions) and returns its id; the
   * registry returns the existing id when the subject already has the schema.
   */
  async register(subject: string, schema: string, schemaType = 'AVRO'): Promise<number> {
    const body = schemaType === 'AVRO' ? { schema } : { schema, schemaType };
    const answer = await this.request(
      'POST',
      `/subjects/${encodeURIComponent(subject)}/versions`,
      body,
      `subject '${subject}'`,
    );
    const id = (answer as { id?: unknown }).id;
    if (typeof id !== 'number') {
      throw new SchemaRegistryError(
        `The registry at ${this.url} registered subject '${subject}' without returning an id.`,
        200,
        undefined,
      );
    }
    return id;
  }

  private async request(method: string, path: string, body: unknown, what: string): Promise<unknown> {
    const headers =
      body === undefined ? this.headers : { ...this.headers, 'content-type': 'application/vnd.schemaregistry.v1+json' };
    let response: Response;
    try {
      response = await this.fetchFn(`${this.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw new SchemaRegistryError(
        `Cannot reach the schema registry at ${this.url} for ${what}: ${reason}. Check the url and that the registry is up.`,
        undefined,
        undefined,
        e,
      );
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const code = (json as { error_code?: unknown } | undefined)?.error_code;
      const message = (json as { message?: unknown } | undefined)?.message;
      const detail = typeof message === 'string' ? message : text.slice(0, 200);
      const hint =
        response.status === 401 || response.status === 403
          ? ' Check the basicAuth credentials.'
          : response.status === 404
            ? ' Is this the registry the data was written with?'
            : '';
      throw new SchemaRegistryError(
        `The schema registry at ${this.url} answered ${response.status} for ${what}: ${detail}.${hint}`,
        response.status,
        typeof code === 'number' ? code : undefined,
      );
    }
    if (json === undefined || json === null || typeof json !== 'object') {
      throw new SchemaRegistryError(
        `The schema registry at ${this.url} answered ${what} with non-JSON: ${text.slice(0, 200)}`,
        response.status,
        undefined,
      );
    }
    return json;
  }
}
