import type { Adapter, AdapterPayload } from 'oidc-provider';

// oidc-provider's bundled MemoryAdapter keeps one module-global LRU of 1,000 entries shared by
// every Provider in the process (and warns on stdout when used): two emulators in one test
// process would share and evict each other's grants. This store belongs to one emulator.

const DEVICE_CODE_KEPT_EXPIRED_SECONDS = 60;

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

export class MemoryStore {
  private readonly entries = new Map<string, Entry>();
  private readonly byGrant = new Map<string, Set<string>>();
  private readonly sessionByUid = new Map<string, string>();
  // Device codes by their user code (oidc-provider stores and looks it up normalized).
  private readonly deviceCodeByUserCode = new Map<string, string>();

  // The constructor oidc-provider wants in its `adapter` setting: one instance per model name.
  adapterClass(): new (model: string) => Adapter {
    const store = this;
    return class StoreAdapter implements Adapter {
      constructor(private readonly model: string) {}

      private key(id: string): string {
        return `${this.model}:${id}`;
      }

      async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
        const key = this.key(id);
        // A device code is kept a while past its life: the provider finds it (ignoring
        // expiry) and answers expired_token, as a real server does, not "not found".
        const keptFor = this.model === 'DeviceCode' ? expiresIn + DEVICE_CODE_KEPT_EXPIRED_SECONDS : expiresIn;
        store.entries.set(key, { payload, expiresAt: Date.now() + keptFor * 1000 });
        if (this.model === 'Session' && typeof payload.uid === 'string') store.sessionByUid.set(payload.uid, id);
        if (this.model === 'DeviceCode' && typeof payload.userCode === 'string') store.deviceCodeByUserCode.set(payload.userCode, id);
        if (typeof payload.grantId === 'string') {
          const keys = store.byGrant.get(payload.grantId) ?? new Set<string>();
          keys.add(key);
          store.byGrant.set(payload.grantId, keys);
        }
      }

      async find(id: string): Promise<AdapterPayload | undefined> {
        return store.get(this.key(id));
      }

      async findByUid(uid: string): Promise<AdapterPayload | undefined> {
        const id = store.sessionByUid.get(uid);
        return id === undefined ? undefined : this.find(id);
      }

      async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
        const id = store.deviceCodeByUserCode.get(userCode);
        return id === undefined ? undefined : this.find(id);
      }

      async consume(id: string): Promise<void> {
        const payload = store.get(this.key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      }

      async destroy(id: string): Promise<void> {
        store.entries.delete(this.key(id));
      }

      async revokeByGrantId(grantId: string): Promise<void> {
        for (const key of store.byGrant.get(grantId) ?? []) store.entries.delete(key);
        store.byGrant.delete(grantId);
      }
    };
  }

  // Forget every grant, session, code and refresh token: whatever was issued stops working.
  clear(): void {
    this.entries.clear();
    this.byGrant.clear();
    this.sessionByUid.clear();
    this.deviceCodeByUserCode.clear();
  }

  private get(key: string): AdapterPayload | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }
}
