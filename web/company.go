package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

type companyHandler struct{ company *app.Company }

// buyerView is a buyer entity (购买方): title (抬头) and tax number (税号).
type buyerView struct {
	Title     string `json:"title"`
	TaxNumber string `json:"tax_number"`
}

type companyView struct {
	Buyers    []buyerView `json:"buyers"`
	Version   int64       `json:"version"`
	UpdatedAt *time.Time  `json:"updated_at"`
}

func newCompanyView(s app.CompanySettings) companyView {
	v := companyView{Buyers: make([]buyerView, len(s.Buyers)), Version: s.Version, UpdatedAt: timePtr(s.UpdatedAt)}
	for i, b := range s.Buyers {
		v.Buyers[i] = buyerView{Title: b.Name, TaxNumber: b.TaxNumber}
	}
	return v
}

type putCompanyRequest struct {
	Version *int64      `json:"version"`
	Buyers  []buyerView `json:"buyers"`
}

func (r *putCompanyRequest) validate() error {
	if r.Version == nil {
		return domain.Invalid("version", "required")
	}
	if r.Buyers == nil {
		return domain.Invalid("buyers", "required")
	}
	return nil
}

func (h *companyHandler) get(c *fiber.Ctx) error {
	s, err := h.company.Settings(c.UserContext(), currentSession(c).EmployeeID)
	if err != nil {
		return err
	}
	return c.JSON(newCompanyView(s))
}

func (h *companyHandler) put(c *fiber.Ctx) error {
	var req putCompanyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	buyers := make([]domain.Party, len(req.Buyers))
	for i, b := range req.Buyers {
		buyers[i] = domain.Party{Name: b.Title, TaxNumber: b.TaxNumber}
	}
	s, err := h.company.SetBuyers(c.UserContext(), currentSession(c).EmployeeID, *req.Version, buyers)
	if err != nil {
		return err
	}
	return c.JSON(newCompanyView(s))
}

type titleLinkView struct {
	URL       string `json:"url"`
	Title     string `json:"title"`
	TaxNumber string `json:"tax_number"`
}

// titleLink answers WeChat's link that adds one of the company's titles
// to the employee's WeChat invoice titles (?tax_number= picks which).
func (h *companyHandler) titleLink(c *fiber.Ctx) error {
	l, err := h.company.TitleLink(c.UserContext(), currentSession(c).EmployeeID, c.Query("tax_number"))
	if err != nil {
		return err
	}
	return c.JSON(titleLinkView{URL: l.URL, Title: l.Buyer.Name, TaxNumber: l.Buyer.TaxNumber})
}
