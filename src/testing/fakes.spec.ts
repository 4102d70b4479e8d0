import { fake } from './fakes';

interface Store {
  read(key: string): Promise<string | undefined>;
  write(key: string, value: string): Promise<void>;
}

describe('fake', () => {
  it('answers with the members the test gave, read when used', async () => {
    const members: Partial<Store> = { read: async () => 'first' };
    const store = fake<Store>(members, 'Store');
    await expect(store.read('k')).resolves.toBe('first');
    members.read = async () => 'second';
    await expect(store.read('k')).resolves.toBe('second');
  });

  it('throws, naming the member, when the code under test uses one the test did not give', () => {
    const store = fake<Store>({ read: async () => undefined }, 'Store');
    expect(() => store.write('k', 'v')).toThrow("Store.write is used by the code under test but the test's fake does not provide it");
  });

  it('is neither a thenable nor anything else jest probes for, so that it can be resolved, matched and printed', async () => {
    const store = fake<Store>({}, 'Store');
    await expect(Promise.resolve(store)).resolves.toBe(store);
    expect(store).toEqual(store);
    expect(String(store)).toBe('[object Object]');
  });
});
