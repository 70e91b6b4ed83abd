package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// The generator draws the catalog from the seed, so the same seed always
// gives the same shop whatever the database. Each product, and each
// variant's stock and sales, draws from its own random stream (seed,
// stream, index), so the data does not depend on the order rows are
// written in, and any variant can be drawn again on its own: only the
// products are held in memory, and each pass over the variants (the bulk
// load's tables, the rules, the documents' picks) draws them again, a
// product at a time. A million-variant store is built in bounded memory.

// Random streams, one per concern.
const (
	streamCatalog uint64 = iota + 1
	streamSales
	streamStock
	streamRules
	streamDocuments
)

func newRand(seed int64, stream, index uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream<<48|index))
}

// popularity is how well a product sells.
type popularity int

const (
	bestSeller popularity = iota
	fastMover
	regular
	longTail
	dead // sold nothing in the last 90 days
)

func (p popularity) sells() bool { return p <= regular }

// popularityMix is the share of products in each class and their chain-wide
// sales in units per day (low, high) at an average point of the season.
var popularityMix = []struct {
	share     float64
	low, high float64
}{
	bestSeller: {0.02, 8, 24},
	fastMover:  {0.08, 1.5, 5},
	regular:    {0.30, 0.25, 1.2},
	longTail:   {0.48, 0.04, 0.3},
	dead:       {0.12, 0, 0},
}

type genProduct struct {
	cat         *categorySpec
	vendor      int
	title       string
	class       popularity
	createdDays int // how many days before now it was created
	// first is the index of its first variant, count how many it has.
	first int
	count int
}

type genVariant struct {
	index    int
	product  int
	sku      string
	barcode  string
	title    string
	option1  string
	option2  string
	price    int64
	cost     int64
	rate     float64 // chain-wide units per day at an average point of the season
	stocked  [len(locationSpecs)]bool
	shares   [len(locationSpecs)]float64
	supplier supplierTermsSpec
	second   *supplierTermsSpec
}

type supplierTermsSpec struct {
	supplier    int
	supplierSKU string
	unitCost    int64
	minOrder    int
	packSize    int
	leadTime    *int
}

// catalog is the products of the store; their variants are drawn again
// on demand (variantsOf, variant, each).
type catalog struct {
	seed     int64
	variants int // how many
	products []genProduct
	// productOf is each variant's product.
	productOf []int32
	// cached is the product whose variants are in cache, or -1.
	cached int
	cache  []genVariant
}

// sizeWeight makes the middle sizes sell most.
func sizeWeight(sizes []string, i int) float64 {
	if len(sizes) <= 1 {
		return 1
	}
	mid := float64(len(sizes)-1) / 2
	d := math.Abs(float64(i)-mid) / (mid + 1)
	return 1.2 - d
}

var colourCodes = map[string]string{
	"Black": "BLK", "Forest Green": "FGN", "Navy": "NVY", "Slate Grey": "SGY", "Rust": "RST", "Sand": "SND",
	"Ocean Blue": "OBL", "Burgundy": "BGD", "Glacier Blue": "GBL", "Ember Orange": "EOR", "Lime": "LIM",
	"Graphite": "GPH", "Red": "RED", "Brown": "BRN", "Grey": "GRY", "Green": "GRN", "Orange": "ORG",
	"Blue": "BLU", "Olive": "OLV",
}

func sizeCode(s string) string {
	return strings.ToUpper(strings.NewReplacer("/", "", " ", "").Replace(s))
}

// ean13 makes a valid EAN-13 in the 200–299 in-store range from n.
func ean13(n int) string {
	digits := fmt.Sprintf("2%011d", n%100000000000)
	sum := 0
	for i, c := range digits {
		d := int(c - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return digits + fmt.Sprint((10-sum%10)%10)
}

// price rounds cents to a .99 or .49 ending.
func priceBetween(r *rand.Rand, low, high int64) int64 {
	p := low + r.Int64N(high-low+1)
	p = p/100*100 + 99
	if p > high && p-50 >= low {
		p -= 50
	}
	return p
}

func pickCategory(r *rand.Rand) *categorySpec {
	total := 0
	for _, c := range categorySpecs {
		total += c.weight
	}
	n := r.IntN(total)
	for i := range categorySpecs {
		n -= categorySpecs[i].weight
		if n < 0 {
			return &categorySpecs[i]
		}
	}
	return &categorySpecs[len(categorySpecs)-1]
}

// pickClass draws a product's popularity. Large catalogs have a longer
// tail: above busyCatalog variants the shares of best sellers, fast movers
// and regulars shrink with the size to the power 0.75, which is also what
// keeps the sales history of a 100,000-variant store under a million rows.
func pickClass(r *rand.Rand, variants int) popularity {
	scale := catalogScale(variants)
	u := r.Float64()
	for c, m := range popularityMix {
		share := m.share
		if popularity(c).sells() {
			share *= scale
		}
		if u < share {
			return popularity(c)
		}
		u -= share
	}
	return longTail
}

const busyCatalog = 20000

// catalogScale is 1 up to busyCatalog variants and shrinks beyond: the share
// of products that sell well, and (by its square root) how often each item
// of the long tail sells.
func catalogScale(variants int) float64 {
	if variants <= busyCatalog {
		return 1
	}
	return math.Pow(busyCatalog/float64(variants), 0.75)
}

// starterClasses are the first products' popularity, so that even the
// smallest demo store has best sellers, fast movers and dead stock.
var starterClasses = []popularity{bestSeller, fastMover, regular, dead, bestSeller, fastMover, regular, longTail, fastMover, regular, dead, bestSeller}

// productDraw is a product drawn from its random stream, up to its
// variants, which draw from the same stream next (supplier terms).
type productDraw struct {
	prod      genProduct // its title without the generation suffix
	r         *rand.Rand
	slots     []slot
	total     float64 // of the slots' weights
	rate      float64 // the product's units per day
	basePrice int64
	costShare float64
}

type slot struct {
	size, colour string
	weight       float64
}

// drawProduct draws product p of a catalog of n variants.
func drawProduct(seed int64, n, p int) productDraw {
	r := newRand(seed, streamCatalog, uint64(p))
	cat := pickCategory(r)
	vendor := cat.vendors[r.IntN(len(cat.vendors))]
	title := vendorSpecs[vendor] + " " + modelNames[r.IntN(len(modelNames))] + " " + cat.noun
	// A contiguous run of sizes and a few colours, at most 12 variants.
	sizes := cat.sizes
	if len(sizes) > 3 && r.IntN(3) == 0 {
		from := r.IntN(2)
		sizes = sizes[from : len(sizes)-r.IntN(2)]
	}
	maxColours := min(len(cat.colours), 12/len(sizes))
	colours := make([]string, len(cat.colours))
	copy(colours, cat.colours)
	r.Shuffle(len(colours), func(i, j int) { colours[i], colours[j] = colours[j], colours[i] })
	colours = colours[:1+r.IntN(maxColours)]

	class := pickClass(r, n)
	if p < len(starterClasses) {
		class = starterClasses[p]
	}
	d := productDraw{r: r, prod: genProduct{cat: cat, vendor: vendor, title: title, class: class, createdDays: 200 + r.IntN(900)}}
	mix := popularityMix[class]
	d.rate = mix.low + r.Float64()*(mix.high-mix.low)
	if class == longTail {
		d.rate *= math.Sqrt(catalogScale(n))
	}
	d.basePrice = priceBetween(r, cat.priceLow, cat.priceHigh)
	d.costShare = 0.40 + r.Float64()*0.15
	for ci, colour := range colours {
		colourWeight := 1 / (1 + 0.6*float64(ci)) // the first colour is the favourite
		for si, size := range sizes {
			w := sizeWeight(sizes, si) * colourWeight
			d.slots = append(d.slots, slot{size, colour, w})
			d.total += w
		}
	}
	return d
}

// generateCatalog draws products until there are n variants; every
// product has 1 to 12 variants (sizes × colours).
func generateCatalog(seed int64, n int) *catalog {
	c := &catalog{seed: seed, variants: n, productOf: make([]int32, 0, n), cached: -1}
	titles := map[string]int{}
	for p := 0; len(c.productOf) < n; p++ {
		d := drawProduct(seed, n, p)
		prod := d.prod
		// A repeated title is a newer generation of the same line.
		if k := titles[prod.title]; k > 0 {
			titles[prod.title] = k + 1
			prod.title = fmt.Sprintf("%s %d.0", prod.title, k+1)
		} else {
			titles[prod.title] = 1
		}
		prod.first = len(c.productOf)
		prod.count = min(len(d.slots), n-prod.first)
		for range prod.count {
			c.productOf = append(c.productOf, int32(p))
		}
		c.products = append(c.products, prod)
	}
	return c
}

// variantsOf appends product p's variants to out.
func (c *catalog) variantsOf(p int, out []genVariant) []genVariant {
	d := drawProduct(c.seed, c.variants, p)
	prod := &c.products[p]
	cat := prod.cat
	for k, s := range d.slots[:prod.count] {
		i := prod.first + k
		v := genVariant{index: i, product: p, price: d.basePrice}
		// Bigger sizes of some gear cost a little more.
		if s.size == "XXL" || s.size == "Long" || s.size == "Wide" || s.size == "3P" || s.size == "1 L" {
			v.price += 1000
		}
		v.cost = int64(math.Round(float64(v.price)*d.costShare/10)) * 10
		v.rate = d.rate * s.weight / d.total
		var parts, opts []string
		skuParts := []string{cat.code, fmt.Sprintf("%05d", p+1)}
		if s.colour != "" {
			parts = append(parts, s.colour)
			opts = append(opts, s.colour)
			skuParts = append(skuParts, colourCodes[s.colour])
		}
		if s.size != "" {
			parts = append(parts, s.size)
			opts = append(opts, s.size)
			skuParts = append(skuParts, sizeCode(s.size))
		}
		v.sku = strings.Join(skuParts, "-")
		v.barcode = ean13(i + 1)
		v.title = strings.Join(parts, " / ")
		if v.title == "" {
			v.title = "Default Title"
		}
		// option1 is the colour and option2 the size, as Shopify lists them.
		if len(opts) > 0 {
			v.option1 = opts[0]
		}
		if len(opts) > 1 {
			v.option2 = opts[1]
		}
		v.supplier, v.second = supplierTerms(d.r, cat, prod.vendor, i, v.cost)
		stockLocations(c.seed, &v, prod.class)
		out = append(out, v)
	}
	return out
}

// variant is variant i, drawn again (its product's variants are kept
// until another product's are asked for).
func (c *catalog) variant(i int) genVariant {
	p := int(c.productOf[i])
	if p != c.cached {
		c.cache = c.variantsOf(p, c.cache[:0])
		c.cached = p
	}
	return c.cache[i-c.products[p].first]
}

// class is variant i's product's popularity.
func (c *catalog) class(i int) popularity { return c.products[c.productOf[i]].class }

// each calls fn with every variant in index order, drawing a product's
// variants at a time.
func (c *catalog) each(fn func(v *genVariant) error) error {
	var buf []genVariant
	for p := range c.products {
		buf = c.variantsOf(p, buf[:0])
		for k := range buf {
			if err := fn(&buf[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// supplierTerms gives the brand's own company as the primary supplier and,
// for about a quarter of variants, a distributor as a second source.
func supplierTerms(r *rand.Rand, cat *categorySpec, vendor, i int, cost int64) (supplierTermsSpec, *supplierTermsSpec) {
	pack := cat.packSize
	moq := pack
	switch {
	case cost < 1500:
		moq = 4 * pack
	case cost < 4000:
		moq = 2 * pack
	}
	primary := supplierTermsSpec{
		supplier:    vendor,
		supplierSKU: fmt.Sprintf("%s-%06d", strings.ToUpper(strings.ReplaceAll(vendorSpecs[vendor], " ", "")[:3]), 100000+i),
		unitCost:    cost,
		minOrder:    moq,
		packSize:    pack,
	}
	if r.IntN(10) == 0 {
		lt := supplierSpecs[vendor].leadTimeDays + r.IntN(15) - 7
		primary.leadTime = &lt
	}
	if r.IntN(4) != 0 {
		return primary, nil
	}
	d := len(supplierSpecs) - distributorCount + vendor%distributorCount
	return primary, &supplierTermsSpec{
		supplier:    d,
		supplierSKU: fmt.Sprintf("D%d-%07d", d, 1000000+i),
		unitCost:    int64(math.Round(float64(cost)*1.12/10)) * 10,
		minOrder:    1,
		packSize:    1,
	}
}

// stockLocations decides where a variant is stocked and each location's
// share of its sales. The warehouse, which also ships web orders, carries
// everything; the shops carry what sells there, and a little of the rest.
func stockLocations(seed int64, v *genVariant, class popularity) {
	r := newRand(seed, streamStock, uint64(v.index))
	v.stocked[0] = true
	total := locationSpecs[0].salesShare
	for l := 1; l < len(locationSpecs); l++ {
		spec := locationSpecs[l]
		carry := 0.08
		switch {
		case class == bestSeller || class == fastMover:
			carry = 1
		case class == regular && v.rate*spec.salesShare >= shopMinRate:
			carry = 0.9
		case class == regular:
			carry = 0.15
		}
		if v.stocked[l] = r.Float64() < carry; v.stocked[l] {
			total += spec.salesShare
		}
	}
	for l, spec := range locationSpecs {
		if v.stocked[l] {
			v.shares[l] = spec.salesShare / total
		}
	}
}

// shopMinRate is the sales rate (units per day) at which a shop stocks a
// regular item: about three sales a quarter.
const shopMinRate = 0.035

// seasonality is the demand multiplier of a category on a day: a yearly
// wave around its peak, busier weekends in the shops, and slow growth.
func seasonality(cat *categorySpec, day time.Time, location int, progress float64) float64 {
	doy := float64(day.YearDay())
	s := 1 + cat.amplitude*math.Cos(2*math.Pi*(doy-float64(cat.peakDay))/365.25)
	switch wd := day.Weekday(); {
	case location > 0 && (wd == time.Saturday || wd == time.Sunday):
		s *= 1.4
	case location > 0:
		s *= 0.85
	case wd == time.Monday: // the web shop's orders of the weekend ship on Monday
		s *= 1.2
	}
	return s * (0.9 + 0.2*progress)
}

// poisson draws from a Poisson distribution (Knuth's method; λ is small).
func poisson(r *rand.Rand, lambda float64) int64 {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		return max(0, int64(math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64())))
	}
	limit := math.Exp(-lambda)
	var k int64
	for p := r.Float64(); p > limit; p *= r.Float64() {
		k++
	}
	return k
}

// salesDays is how many days of history the demo has.
const salesDays = 180

// deadDays is how long dead stock has not sold.
const deadDays = 90

// sale is one row of daily_sales before it gets its ids.
type sale struct {
	location int
	day      int // 0 … salesDays-1; the last is yesterday
	units    int64
	revenue  int64
}

// variantSales generates a variant's daily sales at each location that
// stocks it. Dead stock sold a little before deadDays ago and nothing since.
func variantSales(seed int64, c *catalog, v *genVariant, days []time.Time, out []sale) []sale {
	r := newRand(seed, streamSales, uint64(v.index))
	p := &c.products[v.product]
	rate := v.rate
	lastDay := salesDays
	if p.class == dead {
		rate = 0.01 + r.Float64()*0.05
		lastDay = salesDays - deadDays
	}
	for l := range locationSpecs {
		if !v.stocked[l] {
			continue
		}
		base := rate * v.shares[l]
		for d := 0; d < lastDay; d++ {
			units := poisson(r, base*seasonality(p.cat, days[d], l, float64(d)/salesDays))
			if units == 0 {
				continue
			}
			revenue := units * v.price
			if r.IntN(8) == 0 { // a promotion or a member discount
				revenue = revenue * 80 / 100
			}
			out = append(out, sale{location: l, day: d, units: units, revenue: revenue})
		}
	}
	return out
}

// level is a variant's starting stock at a location.
type level struct {
	location                       int
	onHand, committed, damaged, qc int64
}

// stockFor sets a variant's starting stock at each location from its
// recent sales rate, with the problems a real shop has: some items out of
// stock while they sell, some below their reorder point, dead stock on the
// shelf, a few damaged or in quality control.
func stockFor(seed int64, c *catalog, v *genVariant, today time.Time) []level {
	r := newRand(seed, streamStock, 1<<40|uint64(v.index))
	p := &c.products[v.product]
	var out []level
	for l := range locationSpecs {
		if !v.stocked[l] {
			continue
		}
		velocity := v.rate * v.shares[l] * seasonality(p.cat, today, l, 1)
		lead := float64(supplierSpecs[v.supplier.supplier].leadTimeDays)
		if v.supplier.leadTime != nil {
			lead = float64(*v.supplier.leadTime)
		}
		lv := level{location: l}
		u := r.Float64()
		switch {
		case p.class == dead:
			if l == 0 {
				lv.onHand = 6 + r.Int64N(55)
			} else {
				lv.onHand = 1 + r.Int64N(8)
			}
		case p.class == longTail:
			lv.onHand = 1 + r.Int64N(3) + int64(math.Round(velocity*(lead+30)))
		case u < 0.06: // out of stock while it sells
			if l == 0 && r.IntN(2) == 0 {
				lv.onHand = 1 + r.Int64N(3)
				lv.committed = lv.onHand // all of it promised to open orders
			}
		case u < 0.18: // below its reorder point: a few days of cover left
			lv.onHand = max(1, int64(math.Round(velocity*(1+r.Float64()*5))))
		default: // enough to last the lead time and a few weeks to months more
			lv.onHand = max(2, int64(math.Round(velocity*(lead+15+r.Float64()*60))))
		}
		free := lv.onHand - lv.committed
		if l == 0 && p.class.sells() && free > 2 && r.IntN(3) == 0 {
			lv.committed = 1 + r.Int64N(min(free-1, int64(math.Ceil(velocity*2))+1))
			free = lv.onHand - lv.committed
		}
		if free >= 3 && r.IntN(60) == 0 {
			lv.damaged = 1 + r.Int64N(2)
			free -= lv.damaged
		}
		if l == 0 && free >= 5 && r.IntN(100) == 0 {
			lv.qc = 1 + r.Int64N(4)
		}
		out = append(out, lv)
	}
	return out
}
