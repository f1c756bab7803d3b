package shibboleth

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/crewjam/saml"
)

// parseIDPMetadata reads an identity provider's metadata: an
// EntityDescriptor, or the first one with an IDPSSODescriptor in an
// EntitiesDescriptor (a federation's aggregate names one IdP per
// SAML_IDP_METADATA_*, so give the IdP's own metadata).
func parseIDPMetadata(data []byte) (*saml.EntityDescriptor, error) {
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(data, &ed); err == nil {
		if len(ed.IDPSSODescriptors) == 0 {
			return nil, errors.New("the metadata describes no identity provider (no IDPSSODescriptor)")
		}
		return &ed, nil
	}
	var all saml.EntitiesDescriptor
	if err := xml.Unmarshal(data, &all); err != nil {
		return nil, fmt.Errorf("not SAML metadata: %w", err)
	}
	for i := range all.EntityDescriptors {
		if len(all.EntityDescriptors[i].IDPSSODescriptors) > 0 {
			return &all.EntityDescriptors[i], nil
		}
	}
	return nil, errors.New("the metadata describes no identity provider (no IDPSSODescriptor)")
}

// CheckIDPMetadata reports what is wrong with data as an identity
// provider's metadata (SAML_IDP_METADATA_FILE, checked at start).
func CheckIDPMetadata(data []byte) error {
	_, err := parseIDPMetadata(data)
	return err
}

// fetchIDPMetadata GETs the identity provider's metadata.
func fetchIDPMetadata(ctx context.Context, client *http.Client, url string) (*saml.EntityDescriptor, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	return parseIDPMetadata(data)
}
