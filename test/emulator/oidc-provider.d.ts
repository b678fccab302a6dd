// oidc-provider 8 ships no type declarations (@types/oidc-provider targets older majors and is
// not installed). This covers only what the emulator touches; configuration stays loosely typed
// because its shape is large and checked at runtime by the provider itself.
declare module 'oidc-provider' {
  import type { EventEmitter } from 'node:events';
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface OidcContext {
    route?: string;
    body?: Record<string, string | string[] | undefined>;
    params?: Record<string, unknown>;
  }

  export interface KoaContext {
    req: IncomingMessage;
    status: number;
    body: unknown;
    /** Koa's: the response's Content-Type, and a request or response header. */
    type: string;
    get(field: string): string;
    set(field: string, value: string): void;
    oidc?: OidcContext;
  }

  export type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

  export interface InteractionDetails {
    uid: string;
    prompt: {
      name: string;
      details: {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
    };
    params: Record<string, string | undefined>;
    session?: { accountId?: string };
  }

  export interface InteractionResult {
    login?: { accountId: string };
    consent?: { grantId: string };
    error?: string;
    error_description?: string;
  }

  export interface Grant {
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(indicator: string, scope: string): void;
    save(): Promise<string>;
  }

  export interface AdapterPayload {
    grantId?: string;
    uid?: string;
    userCode?: string;
    consumed?: number;
    [key: string]: unknown;
  }

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  // The token model instance handed to extraTokenClaims.
  export interface IssuedToken {
    kind: 'AccessToken' | 'ClientCredentials';
    jti: string;
    accountId?: string;
    clientId?: string;
    grantId?: string;
  }

  export const errors: { InvalidTarget: new (description?: string) => Error };

  export default class Provider extends EventEmitter {
    constructor(issuer: string, configuration: Record<string, unknown>);
    readonly issuer: string;
    Grant: new (init: { accountId: string; clientId: string }) => Grant;
    Client: { prototype: { redirectUriAllowed(this: { clientId: string }, value: string): boolean }; find(id: string): Promise<object | undefined> };
    use(middleware: KoaMiddleware): void;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResult,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
  }
}
