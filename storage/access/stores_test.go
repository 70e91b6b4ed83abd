package access_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
)

func TestCreateStore(t *testing.T) {
	c := storagetest.NewClock()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		for _, tc := range []struct {
			name string
			in   access.NewStore
			want storage.Store
		}{
			{"defaults", access.NewStore{Domain: "acme.myshopify.com", Name: "Acme"},
				storage.Store{Domain: "acme.myshopify.com", Name: "Acme", Currency: "USD", Timezone: "UTC"}},
			{"normalized", access.NewStore{Domain: "  Bolt.MyShopify.com ", Name: " Bolt Bikes ", Currency: "eur", Timezone: "Europe/Paris"},
				storage.Store{Domain: "bolt.myshopify.com", Name: "Bolt Bikes", Currency: "EUR", Timezone: "Europe/Paris"}},
			{"SQL in the name is kept as text", access.NewStore{Domain: "x.example.com", Name: "Robert'); DROP TABLE stores;--"},
				storage.Store{Domain: "x.example.com", Name: "Robert'); DROP TABLE stores;--", Currency: "USD", Timezone: "UTC"}},
			{"unicode name", access.NewStore{Domain: "kaffee.example.de", Name: "Kaffeerösterei Müller", Currency: "EUR", Timezone: "Europe/Berlin"},
				storage.Store{Domain: "kaffee.example.de", Name: "Kaffeerösterei Müller", Currency: "EUR", Timezone: "Europe/Berlin"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s, err := access.New(db).CreateStore(ctx, tc.in)
				if err != nil {
					t.Fatal(err)
				}
				if s.ID == 0 || !s.CreatedAt.Equal(c.Now()) {
					t.Fatalf("store has no id or the wrong creation time: %+v", s)
				}
				got, err := access.New(db).StoreByDomain(ctx, strings.ToUpper(tc.want.Domain))
				if err != nil {
					t.Fatal(err)
				}
				if got.ID != s.ID || got.Domain != tc.want.Domain || got.Name != tc.want.Name ||
					got.Currency != tc.want.Currency || got.Timezone != tc.want.Timezone || !got.CreatedAt.Equal(s.CreatedAt) {
					t.Fatalf("stored %+v, want %+v", got, tc.want)
				}
				byID, err := access.New(db).StoreByID(ctx, s.ID)
				if err != nil || byID != got {
					t.Fatalf("StoreByID = %+v, %v; want %+v", byID, err, got)
				}
			})
		}
		if n := storagetest.Count(t, db, "stores"); n != 4 {
			t.Fatalf("%d stores, want 4", n)
		}
	}, storage.WithClock(c.Now))
}

func TestCreateStoreRefusesBadInputAndWritesNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		storagetest.MustStore(t, db, "taken.myshopify.com")
		for _, tc := range []struct {
			name string
			in   access.NewStore
			want string
		}{
			{"empty domain", access.NewStore{Name: "A"}, "domain is empty"},
			{"one label", access.NewStore{Domain: "acme", Name: "A"}, "not a valid host name"},
			{"path", access.NewStore{Domain: "acme.myshopify.com/admin", Name: "A"}, "not a valid host name"},
			{"scheme", access.NewStore{Domain: "https://acme.myshopify.com", Name: "A"}, "not a valid host name"},
			{"leading hyphen", access.NewStore{Domain: "-acme.myshopify.com", Name: "A"}, "not a valid host name"},
			{"empty label", access.NewStore{Domain: "acme..com", Name: "A"}, "not a valid host name"},
			{"SQL", access.NewStore{Domain: "x.com'; DROP TABLE stores;--", Name: "A"}, "not a valid host name"},
			{"huge domain", access.NewStore{Domain: strings.Repeat("a.", 200) + "com", Name: "A"}, "not a valid host name"},
			{"empty name", access.NewStore{Domain: "a.example.com"}, "name is empty"},
			{"blank name", access.NewStore{Domain: "a.example.com", Name: " \t "}, "name is empty"},
			{"huge name", access.NewStore{Domain: "a.example.com", Name: strings.Repeat("n", 201)}, "longer than 200"},
			{"terminal escape in name", access.NewStore{Domain: "a.example.com", Name: "Acme\x1b[2J"}, "control character"},
			{"invalid UTF-8 name", access.NewStore{Domain: "a.example.com", Name: "Acme\xff"}, "UTF-8"},
			{"currency too short", access.NewStore{Domain: "a.example.com", Name: "A", Currency: "US"}, "ISO 4217"},
			{"currency word", access.NewStore{Domain: "a.example.com", Name: "A", Currency: "dollars"}, "ISO 4217"},
			{"unknown time zone", access.NewStore{Domain: "a.example.com", Name: "A", Timezone: "Mars/Olympus_Mons"}, "IANA"},
			{"Local time zone", access.NewStore{Domain: "a.example.com", Name: "A", Timezone: "Local"}, "IANA"},
			{"path as time zone", access.NewStore{Domain: "a.example.com", Name: "A", Timezone: "../../etc/passwd"}, "IANA"},
			{"taken domain", access.NewStore{Domain: "TAKEN.myshopify.com", Name: "A"}, "already exists"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := access.New(db).CreateStore(ctx, tc.in)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %v, want an error saying %q", err, tc.want)
				}
				if n := storagetest.Count(t, db, "stores"); n != 1 {
					t.Fatalf("a refused store was written: %d stores", n)
				}
			})
		}
		_, err := access.New(db).CreateStore(ctx, access.NewStore{Domain: "taken.myshopify.com", Name: "Again"})
		if !errors.Is(err, access.ErrStoreExists) {
			t.Fatalf("duplicate domain: got %v, want ErrStoreExists", err)
		}
	})
}

func TestStoreLookups(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		for _, d := range []string{"zeta.example.com", "alpha.example.com", "mid.example.com"} {
			storagetest.MustStore(t, db, d)
		}
		list, err := access.New(db).ListStores(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var domains []string
		for _, s := range list {
			domains = append(domains, s.Domain)
		}
		if got := strings.Join(domains, ","); got != "alpha.example.com,mid.example.com,zeta.example.com" {
			t.Fatalf("ListStores order: %s", got)
		}
		if _, err := access.New(db).StoreByDomain(ctx, "nope.example.com"); !errors.Is(err, access.ErrStoreNotFound) {
			t.Fatalf("unknown domain: got %v", err)
		}
		if _, err := access.New(db).StoreByID(ctx, 987654); !errors.Is(err, access.ErrStoreNotFound) {
			t.Fatalf("unknown id: got %v", err)
		}
		if _, err := access.New(db).StoreByDomain(ctx, "alpha.example.com' OR '1'='1"); err == nil {
			t.Fatal("a domain with SQL in it found a store")
		}
	})
}

func TestListStoresEmpty(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		list, err := access.New(db).ListStores(context.Background())
		if err != nil || list == nil || len(list) != 0 {
			t.Fatalf("ListStores on an empty database = %#v, %v; want an empty, non-nil list", list, err)
		}
	})
}
