package commands

import "github.com/choucha/choucha/domain/directory"

// The edge (infra/http, the CLI) validates these with validator/v10 tags; the domain
// constructors check the same invariants again. Field names are the JSON and CSV names.

// EnterpriseFields is an enterprise as a user submits it.
type EnterpriseFields struct {
	USCC             string `json:"uscc" validate:"required,uscc"`
	Name             string `json:"name" validate:"required,max=200"`
	LegalRep         string `json:"legal_rep" validate:"required,max=100"`
	Address          string `json:"address" validate:"required,max=300"`
	RegionCode       string `json:"region_code" validate:"required,region"`
	Industry         string `json:"industry" validate:"required,max=100"`
	EntityType       string `json:"entity_type" validate:"required,oneof=企业 个体工商户 农民专业合作社 外国企业常驻代表机构 其他"`
	RegAuthority     string `json:"reg_authority" validate:"required,max=200"`
	FoundedOn        string `json:"founded_on" validate:"required,datetime=2006-01-02"`
	Status           string `json:"status" validate:"required,oneof=存续 在业 注销 吊销 撤销 迁出"`
	CreditTier       string `json:"credit_tier" validate:"required,oneof=A B C D"`
	TierSetOn        string `json:"tier_set_on" validate:"required,datetime=2006-01-02"`
	Abnormal         bool   `json:"abnormal"`
	SeriousViolation bool   `json:"serious_violation"`
	UnderComplaint   bool   `json:"under_complaint"`
}

func (f EnterpriseFields) entity() directory.Enterprise {
	return directory.Enterprise{
		USCC: f.USCC, Name: f.Name, LegalRep: f.LegalRep, Address: f.Address,
		RegionCode: f.RegionCode, Industry: f.Industry, EntityType: f.EntityType,
		RegAuthority: f.RegAuthority, FoundedOn: f.FoundedOn, Status: f.Status,
		Tier: directory.Tier(f.CreditTier), TierSetOn: f.TierSetOn, Abnormal: f.Abnormal,
		SeriousViolation: f.SeriousViolation, UnderComplaint: f.UnderComplaint,
	}
}

// InspectorFields is an inspector as a user submits it. Active defaults to true on register.
type InspectorFields struct {
	ID             string   `json:"id" validate:"required,max=40,inspector_id"`
	Name           string   `json:"name" validate:"required,max=100"`
	CertNo         string   `json:"cert_no" validate:"required,max=50"`
	Department     string   `json:"department" validate:"required,max=100"`
	RegionCode     string   `json:"region_code" validate:"required,region"`
	Qualifications []string `json:"qualifications" validate:"max=20,dive,required,max=100"`
	Active         *bool    `json:"active"`
	TeamLeader     bool     `json:"team_leader"`
	Expert         bool     `json:"expert"`
	Conflicts      []string `json:"conflicts" validate:"max=1000,dive,uscc"`
}

func (f InspectorFields) entity() directory.Inspector {
	active := f.Active == nil || *f.Active
	return directory.Inspector{
		ID: f.ID, Name: f.Name, CertNo: f.CertNo, Department: f.Department,
		RegionCode: f.RegionCode, Qualifications: f.Qualifications, Active: active,
		TeamLeader: f.TeamLeader, Expert: f.Expert, Conflicts: f.Conflicts,
	}
}

// ItemFields is an inspection item as a user submits it.
type ItemFields struct {
	Code          string `json:"code" validate:"required,max=40,item_code"`
	Name          string `json:"name" validate:"required,max=200"`
	LegalBasis    string `json:"legal_basis" validate:"required,max=500"`
	Department    string `json:"department" validate:"required,max=100"`
	Category      string `json:"category" validate:"required,oneof=重点 一般"`
	ObjectType    string `json:"object_type" validate:"required,max=100"`
	Content       string `json:"content" validate:"required,max=2000"`
	Method        string `json:"method" validate:"required,max=500"`
	Qualification string `json:"qualification" validate:"max=100"`
}

func (f ItemFields) entity() directory.Item {
	return directory.Item{
		Code: f.Code, Name: f.Name, LegalBasis: f.LegalBasis, Department: f.Department,
		Category: f.Category, ObjectType: f.ObjectType, Content: f.Content, Method: f.Method,
		Qualification: f.Qualification,
	}
}
