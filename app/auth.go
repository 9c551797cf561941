package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/baoxiao/baoxiao/domain"
)

// EmployeeDirectory is what sign-in needs of the employee store.
type EmployeeDirectory interface {
	Get(ctx context.Context, id domain.EmployeeID) (*domain.Employee, error)
	ByLogin(ctx context.Context, ch domain.Channel, appID, login string) (*domain.Employee, error)
	Update(ctx context.Context, id domain.EmployeeID, fn func(*domain.Employee) error) (*domain.Employee, error)
}

// ErrUnknownUser is a WeChat user who passed OAuth but is not an employee
// (DECISIONS 3). Details carry the identity to give an administrator.
var ErrUnknownUser = domain.ErrForbidden.WithMessage("you are not registered in baoxiao; ask your administrator to add you")

// Session is who is signed in and through which channel: the openid is the
// one their invoices carry on that channel.
type Session struct {
	// ID names the session's row (app/sessions.go); it is secret, held
	// only by the cookie. Empty until OpenSession.
	ID         string
	EmployeeID domain.EmployeeID
	Channel    domain.Channel
	OpenID     string
}

// SelfSignUp adds an unknown WeChat user who passed OAuth as an employee.
type SelfSignUp interface {
	SignUp(ctx context.Context, ch domain.Channel, appID, login string) (*domain.Employee, error)
}

// Auth signs employees in through WeChat OAuth or, in sandbox mode, by id.
type Auth struct {
	employees EmployeeDirectory
	channels  Channels
	clock     Clock
	signUp    SelfSignUp
	sessions  SessionStore
}

// NewAuth returns the sign-in service; sessions keeps the sessions it
// opens.
func NewAuth(employees EmployeeDirectory, sessions SessionStore, channels Channels, clock Clock) *Auth {
	return &Auth{employees: employees, sessions: sessions, channels: channels, clock: clock}
}

// AllowSelfSignUp lets unknown OA openids and WeCom userids that pass
// OAuth become employees through s (auth.self_signup); without it they are
// refused with ErrUnknownUser (DECISIONS 3).
func (a *Auth) AllowSelfSignUp(s SelfSignUp) { a.signUp = s }

// AuthorizeURL is where to send a browser to start OAuth on ch.
func (a *Auth) AuthorizeURL(ch domain.Channel, redirectURI, state string) (string, error) {
	wc, err := a.channels.Get(ch)
	if err != nil {
		return "", err
	}
	return wc.AuthorizeURL(redirectURI, state), nil
}

// SignIn finishes OAuth: it exchanges the code, finds the employee by their
// OA openid or WeCom userid and, on WeCom, learns the member's openid once.
func (a *Auth) SignIn(ctx context.Context, ch domain.Channel, code string) (*domain.Employee, Session, error) {
	wc, err := a.channels.Get(ch)
	if err != nil {
		return nil, Session{}, err
	}
	user, err := wc.ExchangeCode(ctx, code)
	if err != nil {
		return nil, Session{}, fmt.Errorf("exchange oauth code: %w", err)
	}
	login := user.OpenID
	if ch == domain.ChannelWork {
		login = user.UserID
	}
	if login == "" {
		// A WeCom non-member has only an openid: not one of ours.
		return nil, Session{}, ErrUnknownUser.With(map[string]any{"channel": string(ch), "openid": user.OpenID})
	}
	e, err := a.employees.ByLogin(ctx, ch, wc.AppID(), login)
	if errors.Is(err, domain.ErrNotFound) && a.signUp != nil {
		e, err = a.signUp.SignUp(ctx, ch, wc.AppID(), login)
	}
	if errors.Is(err, domain.ErrNotFound) {
		identity := map[string]any{"channel": string(ch), "app_id": wc.AppID()}
		if ch == domain.ChannelWork {
			identity["userid"] = login
		} else {
			identity["openid"] = login
		}
		return nil, Session{}, ErrUnknownUser.With(identity)
	}
	if err != nil {
		return nil, Session{}, err
	}
	if !e.Active() {
		return nil, Session{}, domain.ErrForbidden.WithMessage("your account is deactivated; ask your administrator")
	}
	id, _ := e.Identity(ch, wc.AppID())
	if id.OpenID == "" {
		openid, err := wc.ConvertToOpenID(ctx, login)
		if err != nil {
			return nil, Session{}, fmt.Errorf("convert userid to openid: %w", err)
		}
		id.OpenID = openid
		if e, err = a.employees.Update(ctx, e.ID(), func(e *domain.Employee) error {
			return e.SetIdentity(id, a.clock.Now())
		}); err != nil {
			return nil, Session{}, err
		}
	}
	return e, Session{EmployeeID: e.ID(), Channel: ch, OpenID: id.OpenID}, nil
}

// SandboxSignIn signs in a demo employee by id, on the channel of their
// first identity whose channel is enabled (or ch, when given).
func (a *Auth) SandboxSignIn(ctx context.Context, id domain.EmployeeID, ch domain.Channel) (*domain.Employee, Session, error) {
	e, err := a.employees.Get(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, Session{}, domain.Invalid("user", "no such employee")
	}
	if err != nil {
		return nil, Session{}, err
	}
	if !e.Active() {
		return nil, Session{}, domain.ErrForbidden.WithMessage("this account is deactivated")
	}
	// Demo users on both channels sign in through WeCom unless asked
	// otherwise: the OA-only ones have no choice.
	identities := e.Identities()
	workFirst := func(i domain.Identity) int {
		if i.Channel == domain.ChannelWork {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(identities, func(a, b domain.Identity) int { return cmp.Compare(workFirst(a), workFirst(b)) })
	for _, identity := range identities {
		if ch != "" && identity.Channel != ch {
			continue
		}
		wc, err := a.channels.Get(identity.Channel)
		if err != nil || wc.AppID() != identity.AppID {
			continue
		}
		return e, Session{EmployeeID: e.ID(), Channel: identity.Channel, OpenID: identity.OpenID}, nil
	}
	if ch != "" {
		return nil, Session{}, domain.Invalid("channel", "the employee has no identity on this channel")
	}
	// Finance and admin may have no wallet at all.
	return e, Session{EmployeeID: e.ID()}, nil
}

// Person loads any employee, active or not, for showing their name: a
// deactivated employee's invoices and reports keep their owner.
func (a *Auth) Person(ctx context.Context, id domain.EmployeeID) (*domain.Employee, error) {
	return a.employees.Get(ctx, id)
}

// Actor loads the signed-in employee, refusing one deactivated since.
func (a *Auth) Actor(ctx context.Context, s Session) (*domain.Employee, error) {
	e, err := a.employees.Get(ctx, s.EmployeeID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, domain.ErrAuthRequired
	}
	if err != nil {
		return nil, err
	}
	if !e.Active() {
		return nil, domain.ErrAuthRequired.WithMessage("your account is deactivated")
	}
	return e, nil
}
