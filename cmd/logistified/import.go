package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/logistified/mcp-server/imports"
	"github.com/logistified/mcp-server/progress"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/catalog"
)

func init() { commands = append(commands, newImportCmd) }

// importFunc reads a file's header and imports its records.
type importFunc func(ctx context.Context, db *storage.DB, storeID int64, r io.Reader, o catalog.ImportOptions) (catalog.ImportSummary, error)

// importer joins a file reader of package imports to the storage
// operation that writes its records.
func importer[T any, S imports.Source[T]](read func(io.Reader) (S, error),
	write func(db *catalog.DB, ctx context.Context, storeID int64, src imports.Source[T], o catalog.ImportOptions) (catalog.ImportSummary, error)) importFunc {
	return func(ctx context.Context, db *storage.DB, storeID int64, r io.Reader, o catalog.ImportOptions) (catalog.ImportSummary, error) {
		src, err := read(r)
		var re *imports.RowError
		if errors.As(err, &re) {
			// A bad header is refused like a bad row: audited, nothing applied.
			return write(catalog.New(db), ctx, storeID, &failedSource[T]{err: re}, o)
		}
		if err != nil {
			return catalog.ImportSummary{}, err
		}
		return write(catalog.New(db), ctx, storeID, src, o)
	}
}

// failedSource yields one error, then the end.
type failedSource[T any] struct{ err error }

func (f *failedSource[T]) Next() (T, error) {
	var zero T
	if f.err == nil {
		return zero, io.EOF
	}
	err := f.err
	f.err = nil
	return zero, err
}

var importKinds = []struct {
	kind, short, file, example string
	run                        importFunc
}{
	{catalog.ImportProducts, "Products and variants from Shopify's product export", "products_export.csv",
		"Shopify admin: Products → Export → All products, CSV for Excel, Numbers, or other spreadsheet programs",
		importer(imports.ReadProducts, (*catalog.DB).ImportProducts)},
	{catalog.ImportInventory, "Locations and stock levels from Shopify's inventory export", "inventory_export.csv",
		"Shopify admin: Products → Inventory → Export → All locations",
		importer(imports.ReadInventory, (*catalog.DB).ImportInventory)},
	{catalog.ImportOrders, "Daily sales from Shopify's orders export", "orders_export.csv",
		"Shopify admin: Orders → Export → orders by date (the last 180 days is plenty)",
		importer(imports.ReadOrders, (*catalog.DB).ImportOrders)},
	{catalog.ImportSales, "Daily sales from a day,sku,location,units,revenue file", "sales.csv", "",
		importer(imports.ReadSales, (*catalog.DB).ImportSales)},
	{catalog.ImportSuppliers, "Suppliers from a name,email,phone,currency,lead_time_days,min_order file", "suppliers.csv", "",
		importer(imports.ReadSuppliers, (*catalog.DB).ImportSuppliers)},
	{catalog.ImportSupplierTerms, "Who supplies what, from a sku,supplier,unit_cost,pack_size,min_order_qty,supplier_sku file", "supplier-terms.csv", "",
		importer(imports.ReadSupplierTerms, (*catalog.DB).ImportSupplierTerms)},
}

func newImportCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Bring a store's own data in from files: Shopify's exports, suppliers and their terms",
		Long: "Each import reads one CSV file (or - for standard input) into the store named by --store, in one transaction:\n" +
			"a file with any bad row changes nothing and every bad row is listed with its line. Re-importing a file changes\n" +
			"nothing; importing a newer one updates what changed. Import in this order: products, inventory, orders (or sales),\n" +
			"suppliers, supplier-terms.",
	}
	for _, k := range importKinds {
		cmd.AddCommand(newImportKindCmd(a, k.kind, k.short, k.file, k.example, k.run))
	}
	return cmd
}

func newImportKindCmd(a *app, kind, short, file, source string, run importFunc) *cobra.Command {
	var store, location string
	var dryRun, asJSON bool
	long := short + "."
	if source != "" {
		long += "\nExport it from the " + source + "."
	}
	cmd := &cobra.Command{
		Use:     kind + " --store D FILE",
		Short:   short,
		Long:    long,
		Example: fmt.Sprintf("  logistified import %s --store acme.myshopify.com %s --dry-run\n  logistified import %s --store acme.myshopify.com %s", kind, file, kind, file),
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("give one file to import (or - for standard input), like: logistified import %s --store D %s", kind, file)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			path := args[0]
			var in io.Reader = cmd.InOrStdin()
			name, size := "stdin", int64(0)
			if path != "-" {
				f, err := os.Open(path)
				if err != nil {
					return fmt.Errorf("opening the file to import: %w", err)
				}
				defer f.Close()
				if st, err := f.Stat(); err == nil {
					if st.IsDir() {
						return fmt.Errorf("%s is a folder: give the CSV file inside it", path)
					}
					size = st.Size()
				}
				in, name = f, filepath.Base(path)
			}
			db, s, err := a.openStore(ctx, store)
			if err != nil {
				return err
			}
			defer db.Close()
			opts := catalog.ImportOptions{FileName: name, DryRun: dryRun, Location: location, Actor: cliActor()}
			counted := &countingReader{r: in}
			line := a.progressLine(asJSON)
			if line != nil {
				opts.Progress = &importProgress{line: line, read: &counted.n, size: size}
				defer line.Done()
			}
			sum, err := run(ctx, db, s.ID, counted, opts)
			if err != nil && !errors.Is(err, catalog.ErrImportRefused) {
				return err
			}
			if line != nil {
				line.Done() // before the summary
			}
			if asJSON {
				if perr := a.printJSON(sum); perr != nil {
					return perr
				}
			} else if perr := writeImportSummary(a.stdout, a.stderr, s.Domain, sum); perr != nil {
				return perr
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&store, "store", "", "the store's domain, e.g. acme.myshopify.com")
	f.BoolVar(&dryRun, "dry-run", false, "check the file and report what would change, changing nothing")
	f.BoolVar(&asJSON, "json", false, `print the summary as JSON: {"created","updated","unchanged","errors":[{"line","message"}],…}`)
	if kind == catalog.ImportOrders {
		f.StringVar(&location, "location", "", "the location (name or code) where orders without one count; default: the store's only location")
	}
	_ = cmd.MarkFlagRequired("store")
	return cmd
}

// importProgress shows an import's rows on the progress line, with the
// share of the file read when its size is known.
type importProgress struct {
	line *progress.Line
	read *atomic.Int64
	size int64
}

func (p *importProgress) Report(phase string, rows, _ int64) {
	var total int64 // the rows the whole file will have, estimated from the bytes read
	if n := p.read.Load(); p.size > 0 && n > 0 {
		total = -max(rows*p.size/n, rows)
	}
	p.line.Report(phase, rows, total)
}

// countingReader counts the bytes read, for the progress line.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func writeImportSummary(stdout, stderr io.Writer, domain string, s catalog.ImportSummary) error {
	if len(s.Errors) > 0 {
		for _, e := range s.Errors {
			if _, err := fmt.Fprintln(stderr, e.Error()); err != nil {
				return err
			}
		}
		if s.MoreErrors > 0 {
			_, err := fmt.Fprintf(stderr, "… and %d more bad rows.\n", s.MoreErrors)
			return err
		}
		return nil
	}
	var b strings.Builder
	if s.DryRun {
		fmt.Fprintf(&b, "Dry run, nothing changed. Importing %s into %s would create %d, update %d and leave %d unchanged (%d rows read).\n",
			s.File, domain, s.Created, s.Updated, s.Unchanged, s.Rows)
	} else {
		fmt.Fprintf(&b, "Imported %s into %s: %d created, %d updated, %d unchanged (%d rows read).\n",
			s.File, domain, s.Created, s.Updated, s.Unchanged, s.Rows)
	}
	kinds := make([]string, 0, len(s.Details))
	for k := range s.Details {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		c := s.Details[k]
		fmt.Fprintf(&b, "  %-15s %d created, %d updated, %d unchanged\n", strings.ReplaceAll(k, "_", " ")+":", c.Created, c.Updated, c.Unchanged)
	}
	if len(s.Skipped) > 0 {
		reasons := make([]string, 0, len(s.Skipped))
		for r, n := range s.Skipped {
			reasons = append(reasons, fmt.Sprintf("%d %s", n, r))
		}
		sort.Strings(reasons)
		fmt.Fprintf(&b, "  skipped:        %s\n", strings.Join(reasons, ", "))
	}
	if s.LedgerRows > 0 {
		fmt.Fprintf(&b, "  ledger rows:    %d (reason correction, reference %s)\n", s.LedgerRows, s.File)
	}
	_, err := io.WriteString(stdout, b.String())
	return err
}
