import { describe, expect, it } from "vitest";
import { svgRoot, svgSize } from "../../src/lib/svg";

describe("svgRoot", () => {
  it("gives the root element's attributes, single- or double-quoted, with > inside a value", () => {
    expect(svgRoot(`<svg xmlns="http://www.w3.org/2000/svg" width='64' data-x="a>b" viewBox = "0 0 8 8"><g/></svg>`)).toEqual({
      xmlns: "http://www.w3.org/2000/svg",
      width: "64",
      "data-x": "a>b",
      viewBox: "0 0 8 8",
    });
    expect(svgRoot("<svg/>")).toEqual({});
  });

  it("reads only the prolog: the first element decides", () => {
    expect(svgRoot("<html><svg/></html>")).toBeNull();
    expect(svgRoot('<!DOCTYPE html [ <!ENTITY x "]>"> ]><svg/>')).toEqual({});
    expect(svgRoot('<?xml version="1.0"?><!-- --><!-- <html> --><svg width="1"/>')).toEqual({ width: "1" });
    expect(svgRoot("text<svg/>")).toBeNull();
  });

  it('is "more" when the text ends first, and never throws on odd input', () => {
    for (const cut of ["", "<", "<!--", "<?xml", "<!DOCTYPE svg", "<svg", '<svg width="1">'.slice(0, 12)]) expect(svgRoot(cut)).toBe("more");
    for (const odd of ["\u0000\u0001", "<<<<", "<!>", "<![CDATA[<svg/>]]>", "<1svg/>", "\ufffd<svg/>"]) expect(svgRoot(odd)).toBeNull();
  });
});

describe("svgSize", () => {
  it.each([
    [{ width: "1024", height: "768" }, { width: 1024, height: 768 }],
    [{ width: "1024px", height: " 768.4 " }, { width: 1024, height: 768 }],
    [{ width: "1e3", height: "5E2" }, { width: 1000, height: 500 }],
    [{ viewBox: "0 0 1536 1024" }, { width: 1536, height: 1024 }],
    [{ viewBox: "-10,-10, 200,100" }, { width: 200, height: 100 }],
    [{ width: "100%", height: "100%", viewBox: "0 0 300 200" }, { width: 300, height: 200 }],
    // One side given: the other follows the viewBox's proportions, as a browser draws it.
    [{ width: "600", viewBox: "0 0 300 200" }, { width: 600, height: 400 }],
    [{ height: "100", viewBox: "0 0 300 200" }, { width: 150, height: 100 }],
  ])("%j is %j", (attributes, size) => {
    expect(svgSize(attributes)).toEqual(size);
  });

  it.each([
    [{}],
    [{ width: "100%", height: "50%" }],
    [{ width: "10cm", height: "5cm" }],
    [{ width: "0", height: "10" }],
    [{ width: "-5", height: "10" }],
    [{ width: "10" }],
    [{ viewBox: "0 0 0 100" }],
    [{ viewBox: "0 0 100" }],
    [{ viewBox: "a b c d" }],
    [{ width: "0.2", height: "0.2" }],
  ])("%j has no size", (attributes) => {
    expect(svgSize(attributes)).toBeNull();
  });
});
