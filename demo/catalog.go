package demo

// The fixed parts of the demo shop: an outdoor gear and apparel retailer
// with one warehouse (which also ships the web shop's orders) and three
// shops, a dozen-odd brands and the suppliers they are bought from.

type locationSpec struct {
	name, code, kind, address string
	// salesShare is the location's part of the chain's sales.
	salesShare float64
}

// An array, so that a variant keeps its per-location data in arrays.
var locationSpecs = [...]locationSpec{
	{"Reno Warehouse", "WH", "warehouse", "1450 Distribution Way, Reno, NV 89502", 0.45},
	{"Denver Flagship", "DEN", "shop", "1601 Larimer St, Denver, CO 80202", 0.25},
	{"Portland Store", "PDX", "shop", "820 NW 23rd Ave, Portland, OR 97210", 0.18},
	{"Salt Lake City Store", "SLC", "shop", "255 S Main St, Salt Lake City, UT 84111", 0.12},
}

type supplierSpec struct {
	name, email, phone string
	leadTimeDays       int
	minOrderCents      int64
}

// The first len(vendorSpecs) suppliers are the brands' own sales
// companies, each the primary supplier of its brand; the last ones are
// distributors that carry many brands at a higher cost and a shorter lead
// time.
var supplierSpecs = []supplierSpec{
	{"Northridge Apparel Co.", "orders@northridge-apparel.example", "+1 503 555 0110", 28, 150000},
	{"Alpine Crest Outfitting", "wholesale@alpinecrest.example", "+1 303 555 0121", 35, 200000},
	{"Granite Peak Gear", "po@granitepeak.example", "+1 801 555 0132", 21, 100000},
	{"Cedar & Stone Ltd.", "trade@cedarandstone.example", "+44 20 7946 0143", 45, 250000},
	{"Tundra Works", "sales@tundraworks.example", "+1 907 555 0154", 30, 120000},
	{"Ridgeline Footwear", "orders@ridgeline-footwear.example", "+1 208 555 0165", 40, 300000},
	{"Basecamp Supply Co.", "b2b@basecampsupply.example", "+1 406 555 0176", 18, 50000},
	{"Wildpath Packs", "wholesale@wildpath.example", "+1 206 555 0187", 25, 100000},
	{"Summit Forge Equipment", "orders@summitforge.example", "+1 970 555 0198", 20, 80000},
	{"Glacier Bay Textiles", "sales@glacierbay.example", "+1 604 555 0109", 50, 200000},
	{"Timberline Socks", "orders@timberlinesocks.example", "+1 802 555 0111", 14, 30000},
	{"Cascade Trail Lighting", "b2b@cascadetrail.example", "+1 541 555 0122", 16, 40000},
	{"Pacific Outdoor Distribution", "purchasing@pacificoutdoor.example", "+1 916 555 0133", 7, 25000},
	{"Great Basin Wholesale", "orders@greatbasinwholesale.example", "+1 775 555 0144", 10, 20000},
}

// distributorCount is how many of supplierSpecs (the last ones) are
// distributors rather than a brand's own company.
const distributorCount = 2

// vendorSpecs are the brands on the shelves; vendor i is bought from
// supplierSpecs[i].
var vendorSpecs = []string{
	"Northridge", "Alpine Crest", "Granite Peak", "Cedar & Stone", "Tundra Works", "Ridgeline",
	"Basecamp", "Wildpath", "Summit Forge", "Glacier Bay", "Timberline", "Cascade Trail",
}

type categorySpec struct {
	code, productType, noun string
	sizes, colours          []string
	// priceLow and priceHigh bound the retail price in cents.
	priceLow, priceHigh int64
	// peakDay is the day of the year sales peak; amplitude how much (0 is
	// flat, 0.8 means the peak sells 9× the trough).
	peakDay   int
	amplitude float64
	packSize  int
	// weight makes some categories more common in the catalog.
	weight int
	// vendors that make this category (indexes into vendorSpecs).
	vendors []int
}

var (
	apparelSizes = []string{"XS", "S", "M", "L", "XL", "XXL"}
	coreSizes    = []string{"S", "M", "L", "XL"}
	bootSizes    = []string{"7", "8", "9", "10", "11", "12"}
	glovesSizes  = []string{"S", "M", "L"}
	earthColours = []string{"Black", "Forest Green", "Navy", "Slate Grey", "Rust", "Sand", "Ocean Blue", "Burgundy"}
	brightColour = []string{"Black", "Glacier Blue", "Ember Orange", "Lime", "Graphite", "Red"}
	noSize       = []string{""}
)

var categorySpecs = []categorySpec{
	{"JKT", "Jackets", "Insulated Jacket", apparelSizes, earthColours, 14900, 39900, 15, 0.8, 1, 8, []int{0, 1, 3, 4, 9}},
	{"SHL", "Jackets", "Rain Shell", apparelSizes, brightColour, 9900, 29900, 110, 0.4, 1, 6, []int{0, 1, 3, 9}},
	{"FLC", "Midlayers", "Fleece Pullover", coreSizes, earthColours, 5900, 12900, 300, 0.6, 2, 7, []int{0, 3, 4, 9}},
	{"BSL", "Base Layers", "Merino Base Layer", coreSizes, earthColours, 4900, 10900, 340, 0.7, 2, 5, []int{0, 4, 9, 10}},
	{"PNT", "Pants", "Hiking Pants", coreSizes, earthColours, 5900, 11900, 150, 0.4, 2, 6, []int{0, 1, 2, 3}},
	{"SHT", "Shorts", "Trail Shorts", coreSizes, earthColours, 3900, 6900, 190, 0.7, 6, 4, []int{0, 2, 6}},
	{"TEE", "Shirts", "Tech Tee", apparelSizes, brightColour, 2400, 4900, 180, 0.5, 6, 7, []int{0, 2, 6, 9}},
	{"SCK", "Socks", "Hiking Socks", glovesSizes, earthColours, 1600, 2900, 290, 0.3, 12, 5, []int{10}},
	{"BNE", "Accessories", "Beanie", noSize, earthColours, 2200, 4200, 350, 0.9, 6, 3, []int{4, 9, 10}},
	{"GLV", "Accessories", "Gloves", glovesSizes, brightColour, 2900, 8900, 0, 0.9, 6, 3, []int{1, 4, 9}},
	{"BOT", "Footwear", "Hiking Boots", bootSizes, []string{"Brown", "Black", "Grey"}, 13900, 25900, 110, 0.4, 1, 6, []int{5}},
	{"TRN", "Footwear", "Trail Runners", bootSizes, brightColour, 10900, 17900, 160, 0.4, 1, 5, []int{5}},
	{"PAK", "Packs", "Backpack", []string{"S/M", "M/L"}, brightColour, 8900, 29900, 160, 0.5, 1, 5, []int{7, 2}},
	{"DAY", "Packs", "Daypack", noSize, brightColour, 4900, 11900, 170, 0.5, 2, 3, []int{7, 6}},
	{"TNT", "Camping", "Tent", []string{"1P", "2P", "3P"}, []string{"Green", "Orange", "Sand"}, 19900, 59900, 175, 0.8, 1, 3, []int{2, 8}},
	{"SLP", "Camping", "Sleeping Bag", []string{"Regular", "Long"}, []string{"Blue", "Red", "Olive"}, 12900, 39900, 185, 0.7, 1, 3, []int{2, 8, 4}},
	{"PAD", "Camping", "Sleeping Pad", []string{"Regular", "Wide"}, noSize, 6900, 17900, 185, 0.7, 1, 2, []int{8, 6}},
	{"STV", "Camping", "Camp Stove", noSize, noSize, 4900, 14900, 190, 0.6, 1, 2, []int{8}},
	{"LMP", "Lighting", "Headlamp", noSize, brightColour, 2900, 8900, 300, 0.3, 4, 3, []int{11}},
	{"BTL", "Hydration", "Water Bottle", []string{"750 ml", "1 L"}, brightColour, 1900, 4400, 180, 0.4, 12, 4, []int{6, 8}},
	{"POL", "Accessories", "Trekking Poles", noSize, []string{"Graphite", "Blue"}, 7900, 16900, 170, 0.5, 2, 2, []int{2, 8}},
}

// modelNames name product lines; with the vendor and category noun they make
// titles such as "Northridge Traverse Insulated Jacket".
var modelNames = []string{
	"Traverse", "Summit", "Cirque", "Talus", "Scree", "Couloir", "Aspen", "Juniper", "Sequoia", "Kestrel",
	"Ptarmigan", "Pika", "Basin", "Saddle", "Arete", "Cornice", "Moraine", "Tarn", "Cairn", "Switchback",
	"Headwall", "Bivouac", "Ridgeback", "Lodgepole", "Larch", "Alder", "Cottonwood", "Sage", "Mesa", "Canyon",
	"Highline", "Divide", "Boulder", "Flatiron", "Rainier", "Shasta", "Teton", "Wasatch", "Sawtooth", "Cascade",
}
