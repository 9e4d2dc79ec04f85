// Converting the pad's point groups into the core's stroke format (R3.2, R7.11): points with
// coordinates in CSS pixels, milliseconds since the first point, and pen pressure (0..1).
export interface StrokePoint { x: number; y: number; t: number; p: number }

export interface PadPoint { x: number; y: number; time: number; pressure: number }
export interface PadGroup { points: PadPoint[] }

export function toStrokes(groups: PadGroup[]): StrokePoint[][] {
  const first = groups.find((g) => g.points.length)?.points[0]?.time ?? 0
  return groups
    .filter((g) => g.points.length > 0)
    .map((g) =>
      g.points.map((pt) => ({
        x: Math.round(pt.x * 10) / 10,
        y: Math.round(pt.y * 10) / 10,
        t: Math.max(0, Math.round(pt.time - first)),
        // A mouse reports 0 (or 0.5); keep a sensible middle so the stored strokes are uniform.
        p: pt.pressure > 0 && pt.pressure <= 1 ? Math.round(pt.pressure * 100) / 100 : 0.5,
      })),
    )
}

export function pointCount(strokes: StrokePoint[][]): number {
  return strokes.reduce((n, s) => n + s.length, 0)
}
