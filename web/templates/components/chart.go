package components

import (
	"strconv"
)

// BarChart is a bar chart drawn as SVG on the server: the CSP allows no script
// and no inline style, so every colour is a presentation attribute.
type BarChart struct {
	// ID prefixes the ids the SVG's title and description take.
	ID    string
	Title string
	// Desc says in words what the bars show (read by screen readers).
	Desc string
	// Category names what the bars are, as the table's first column heading ("Month").
	Category string
	Bars     []Bar
}

// Bar is one bar: its label under the axis, its full name in the tooltip and the
// table, and its value.
type Bar struct {
	Label string
	Name  string
	Value int
}

// Chart geometry, in SVG user units.
const (
	chartWidth   = 720
	chartHeight  = 240
	chartTop     = 24 // room for the value over the tallest bar
	chartBottom  = 28 // room for the labels under the axis
	chartLeft    = 8
	chartRight   = 8
	chartBarFill = "#2f6fb0"
	chartInk     = "#1f2933"
	chartAxis    = "#9aa5b1"
)

// barGeom is one bar as drawn.
type barGeom struct {
	Bar
	X, Y, W, H     float64
	LabelX, ValueY float64
}

// PlotHeight is the height of the tallest bar; a bar's height is its value over
// the largest value times PlotHeight.
func (c BarChart) PlotHeight() float64 { return chartHeight - chartTop - chartBottom }

func (c BarChart) max() int {
	m := 0
	for _, b := range c.Bars {
		m = max(m, b.Value)
	}
	return m
}

func (c BarChart) geometry() []barGeom {
	if len(c.Bars) == 0 {
		return nil
	}
	slot := float64(chartWidth-chartLeft-chartRight) / float64(len(c.Bars))
	w := slot * 0.7
	base := float64(chartHeight - chartBottom)
	m := c.max()
	out := make([]barGeom, len(c.Bars))
	for i, b := range c.Bars {
		h := 0.0
		if m > 0 {
			h = float64(b.Value) / float64(m) * c.PlotHeight()
		}
		x := chartLeft + slot*float64(i) + (slot-w)/2
		out[i] = barGeom{Bar: b, X: x, W: w, H: h, Y: base - h, LabelX: x + w/2, ValueY: base - h - 6}
	}
	return out
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

func viewBox() string {
	return "0 0 " + strconv.Itoa(chartWidth) + " " + strconv.Itoa(chartHeight)
}
