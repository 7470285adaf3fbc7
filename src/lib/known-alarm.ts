// A Durable Object's alarm as this instance last set, cleared or read it. Asking the runtime (getAlarm) costs about what
// setting it does (measured in workerd: each alarm call about 1 ms of CPU, as much as a Durable Object hop), so an
// object that knows whether its alarm is set does not ask, and does not clear an alarm it knows it has not got.
// Only the object's own alarm changes it behind this record's back, and the object learns that in alarm() (fired).

export class KnownAlarm {
  /** The alarm's time, null for none, undefined when not known. */
  private known: number | null | undefined = undefined;

  constructor(private readonly storage: DurableObjectStorage) {}

  async get(): Promise<number | null> {
    if (this.known === undefined) this.known = await this.storage.getAlarm();
    return this.known;
  }

  async set(at: number): Promise<void> {
    this.known = undefined;
    await this.storage.setAlarm(at);
    this.known = at;
  }

  async clear(): Promise<void> {
    if (this.known === null) return;
    this.known = undefined;
    await this.storage.deleteAlarm();
    this.known = null;
  }

  /** An object that has only just been made, and so has never set an alarm. */
  none(): void {
    this.known = null;
  }

  /** The alarm is running (and is run again if it fails): whether one is set is not known until it is set or read. */
  fired(): void {
    this.known = undefined;
  }
}
