/**
 * The market charts' bar labels: level when they fit under their bars, slanted when not,
 * and thinned out when even slanted ones would touch, so no two drawn labels overlap.
 */
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { BarChart, barLabelLayout, labelWidth } from "../../src/components/charts.tsx";

const PLOT_WIDTH = 312; // the charts' 360 units less their side padding
const address = (i: number) => `0x${i.toString(16).padStart(4, "0")}…649f`;

/** Distance between two neighbouring drawn labels, across their common direction. */
function gap(layout: ReturnType<typeof barLabelLayout>, count: number, widest: number): number {
  const step = (PLOT_WIDTH / count) * layout.every;
  return layout.slanted ? step * Math.sin(Math.PI / 4) : step - widest;
}

describe("barLabelLayout", () => {
  it("keeps labels level while each fits under its bar", () => {
    const layout = barLabelLayout([address(1), address(2), address(3)], PLOT_WIDTH);
    expect(layout).toMatchObject({ slanted: false, every: 1 });
  });

  it("never lets two drawn labels touch, for 1 to 60 providers", () => {
    for (let count = 1; count <= 60; count++) {
      const labels = Array.from({ length: count }, (_, i) => address(i));
      const layout = barLabelLayout(labels, PLOT_WIDTH);
      const widest = labelWidth(labels[0] ?? "");
      if (count > 1) expect(gap(layout, count, widest), `${count} labels`).toBeGreaterThanOrEqual(4);
      // Slanted labels get room under the axis and left of the first bar.
      if (layout.slanted) {
        expect(layout.bottom).toBeGreaterThan(widest * Math.sin(Math.PI / 4));
        expect(layout.left).toBeGreaterThanOrEqual(24);
      }
    }
    expect(
      barLabelLayout(
        Array.from({ length: 6 }, (_, i) => address(i)),
        PLOT_WIDTH,
      ),
    ).toMatchObject({
      slanted: true,
      every: 1,
    });
  });
});

describe("BarChart", () => {
  it("draws every label of the devnet's six providers, slanted, in a taller chart", () => {
    const bars = Array.from({ length: 6 }, (_, i) => ({ label: address(i), value: i + 1 }));
    const html = renderToStaticMarkup(<BarChart title="t" bars={bars} format={String} />);
    expect(html.match(/rotate\(-45 /g)?.length).toBe(6);
    expect(html).toMatch(/viewBox="0 0 360 (\d+)"/);
    expect(Number(/viewBox="0 0 360 (\d+)"/.exec(html)?.[1])).toBeGreaterThan(160);
  });
});
