// The seeds' sample bodies (../shared/seeds/), for the tests that send them as a client would.

/** Seed 000's sample (Leonardo, gpt-image-1.5), made valid JSON (its missing and trailing commas fixed). */
export const seed000Body = (referenceId: string) => ({
  public: false,
  model: "gpt-image-1.5",
  parameters: {
    quality: "MEDIUM",
    prompt: "Koala with purple hat",
    quantity: 2,
    width: 1024,
    height: 1024,
    seed: 4294967295,
    prompt_enhance: "OFF",
    guidances: { image_reference: [{ image: { id: referenceId, type: "UPLOADED" }, strength: "MID" }] },
  },
});
